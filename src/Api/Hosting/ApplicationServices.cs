using Autoencoder.Api.Http;
using Autoencoder.Api.Endpoints;
using Autoencoder.Api.Health;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Repository;
using Autoencoder.Api.Limits;
using Autoencoder.Api.Metrics;
using Autoencoder.Api.OpenApi;
using Autoencoder.Api.OpenInference;
using System.Globalization;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Serilog;
using Prometheus;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Autoencoder.Api.Logging;

namespace Autoencoder.Api.Hosting;

/// <summary>The service's registrations and middleware, in the order Program.cs reads them.</summary>
public static class ApplicationServices
{
    public static WebApplicationBuilder AddLogging(this WebApplicationBuilder builder)
    {
        // Levels (and, if given, sinks) come from the "Serilog" configuration section. Without configured sinks,
        // the console gets readable lines in Development and compact JSON, one event per line, elsewhere.
        var configuredSinks = builder.Configuration.GetSection("Serilog:WriteTo").Exists();
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration).ReadFrom.Services(services).Enrich.FromLogContext();
            if (configuredSinks)
            {
                return;
            }

            // The console is written in batches from a background queue (see ConsoleBatchSink).
            ITextFormatter formatter = development
                ? new MessageTemplateTextFormatter("[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {TraceId}{NewLine}{Exception}", CultureInfo.InvariantCulture)
                : new RenderedCompactJsonFormatter();
            logger.WriteTo.Sink(new ConsoleBatchSink(formatter, ConsoleBatchSink.StandardOutput()));
        },
        preserveStaticLogger: true);
        return builder;
    }

    public static IServiceCollection AddApplicationServices(this IServiceCollection services)
    {
        services.AddOptions<ModelsOptions>().BindConfiguration(ModelsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.Section).ValidateOnStart();
        services.AddOptions<ImageLimits>().BindConfiguration("Images").ValidateDataAnnotations().ValidateOnStart();

        services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ApiMetrics>();
        services.AddSingleton<ExecutionProviderSelector>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ModelRegistry>();
        services.AddSingleton<InferenceStatistics>();
        services.AddSingleton<ModelRepository>();
        services.AddSingleton<ControlKey>();
        services.AddHostedService<RepositoryHost>();
        services.AddSingleton<AutoencoderService>();
        services.AddSingleton(provider => new ImageDecoder(provider.GetRequiredService<IOptions<ImageLimits>>().Value));
        services.AddSingleton(provider => new DecodeBudget(provider.GetRequiredService<IOptions<LimitsOptions>>().Value
            .EffectiveDecodePixelBudget(provider.GetRequiredService<IOptions<ImageLimits>>().Value.MaxPixels)));
        services.AddSingleton<ImageTensors>();
        services.AddSingleton<ImageUploads>();

        services.AddHealthChecks().AddCheck<ModelsReadyCheck>("models", tags: [HealthApi.ReadyTag]);
        return services;
    }

    public static IServiceCollection AddProblemResponses(this IServiceCollection services)
    {
        // Writers are asked in the order registered: the Open Inference Protocol's routes answer {"error": ...}.
        services.AddSingleton<IProblemDetailsWriter, ProtocolErrorWriter>();

        // Problems the framework raises itself (wrong method, unknown path, wrong content type) get a detail too, and
        // every problem its type, title and trace id, whichever writer sends it.
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ErrorResponses.CompleteProblem);
        services.AddExceptionHandler<ErrorResponses.ExceptionHandler>();

        // Last: a client whose Accept allows no problem+json (Accept: image/png, or a type no route offers) still
        // learns what went wrong, instead of the error becoming a 500.
        services.AddSingleton<IProblemDetailsWriter, ErrorResponses.WhateverTheAcceptWriter>();

        // Bad JSON and failed binding throw, in every environment, so the handler can say what was wrong.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    public static IServiceCollection AddSwagger(this IServiceCollection services)
    {
        services.AddOptions<SwaggerSettings>().BindConfiguration(SwaggerSettings.Section);
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new Microsoft.OpenApi.OpenApiInfo
            {
                Title = "Autoencoder API",
                Version = "v1",
                Description = SwaggerDescription,
            });
            options.OperationFilter<ImageUploadOperationFilter>();
            options.SchemaFilter<ExampleSchemaFilter>();
            var documentation = Path.Combine(AppContext.BaseDirectory, "Autoencoder.Api.xml");
            if (File.Exists(documentation))
            {
                options.IncludeXmlComments(documentation);
            }
        });
        return services;
    }

    /// <summary>What the service serves, as Swagger UI introduces it; every inference route by its path.</summary>
    public const string SwaggerDescription =
        "Image autoencoders over HTTP. /encode turns images (one, or an IDX file of many) into latent vectors and /decode turns "
        + "latent vectors back into images; /reconstruct does both; /interpolate blends two images' latents; /score says how "
        + "unusual an image is for a model; /generate draws new images from a model's latent prior; /denoise cleans an image "
        + "with a denoising autoencoder. /models lists the loaded models and their latent maps, /health/live and /health/ready "
        + "report readiness, /metrics is in Prometheus text, and /v2 serves the models by the Open Inference Protocol (KServe V2).";

    /// <summary>One line per request (see <see cref="RequestLogMiddleware"/>); outermost, so it logs the status the client gets.</summary>
    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.UseMiddleware<RequestLogMiddleware>();
        return app;
    }

    /// <summary>Request duration histograms per endpoint, method and status, in the service's own metrics registry.</summary>
    public static WebApplication UseRequestMetrics(this WebApplication app)
    {
        var registry = app.Services.GetRequiredService<ApiMetrics>().Registry;
        app.UseHttpMetrics(options =>
        {
            options.SetMetricFactory(Prometheus.Metrics.WithCustomRegistry(registry));

            // The histogram's _count already counts requests; the separate counter and in-flight gauge each cost a
            // middleware and a label lookup per request.
            options.RequestCount.Enabled = false;
            options.InProgress.Enabled = false;
        });
        return app;
    }

    /// <summary>GET /metrics in Prometheus text format; any other method than GET and HEAD is a 405, as on every other route.</summary>
    public static WebApplication MapMetricsEndpoint(this WebApplication app)
    {
        app.MapMetrics("/metrics", app.Services.GetRequiredService<ApiMetrics>().Registry)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
            .WithTags("Metrics");
        return app;
    }

    public static WebApplication UseSwaggerUi(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<SwaggerSettings>>().Value.Enabled)
        {
            return app;
        }

        // Only requests under /swagger pass through Swashbuckle's middleware, not every inference request.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger", StringComparison.OrdinalIgnoreCase), swagger =>
        {
            swagger.UseSwagger();
            swagger.UseSwaggerUI(options => options.DocumentTitle = "Autoencoder API");
        });
        return app;
    }

    /// <summary>
    /// The page's files wherever the service is started from. The endpoints manifest of a build (not a publish) maps
    /// "app.js" for a gzip-accepting browser to "app.js.gz", which a build keeps under obj/ and only its static web
    /// assets manifest (*.staticwebassets.runtime.json, beside the dll) locates. ASP.NET Core reads that manifest in
    /// Development alone, so a build run in Production answered every browser 200 with an empty body. A publish has no
    /// such manifest (its wwwroot holds the compressed copies), and there this changes nothing.
    /// </summary>
    public static WebApplicationBuilder AddPage(this WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment()) // where ASP.NET Core has read it already
        {
            builder.WebHost.UseStaticWebAssets();
        }

        return builder;
    }

    /// <summary>
    /// The page (wwwroot) at "/", served with the build's precompressed copies, ETags and cache headers. Its files
    /// have a route table of their own: in the API's, the static assets' endpoints turned a wrong method on an API
    /// path (GET /encode) from 405 into 404. A file the manifest names but the web root lacks stops the service at
    /// start: ASP.NET Core would answer it 200 with an empty body.
    /// </summary>
    public static WebApplication UsePage(this WebApplication app)
    {
        var routes = new HashSet<string>(StringComparer.Ordinal) { "/" };
        var page = new ApplicationBuilder(app.Services);
        page.UseDefaultFiles();
        page.UseRouting();
        page.UseEndpoints(endpoints =>
        {
            endpoints.MapStaticAssets();
            var assets = endpoints.DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>().ToList();
            routes.UnionWith(assets.Select(endpoint => "/" + endpoint.RoutePattern.RawText?.TrimStart('/')));
            CheckPageFiles(app.Environment, assets.Select(endpoint => endpoint.Metadata.GetMetadata<StaticAssetDescriptor>()).OfType<StaticAssetDescriptor>());
        });
        var serve = page.Build();
        app.MapWhen(
            context => (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)) && routes.Contains(context.Request.Path.Value ?? ""),
            branch => branch.Run(serve));
        return app;
    }

    private static void CheckPageFiles(IWebHostEnvironment environment, IEnumerable<StaticAssetDescriptor> assets)
    {
        var files = assets.Select(asset => asset.AssetPath).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var missing = files.Where(path => !environment.WebRootFileProvider.GetFileInfo(path).Exists).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{missing.Count} of the page's {files.Count} files ({string.Join(", ", missing.Take(3))}{(missing.Count > 3 ? ", ..." : "")}) are not in "
                + $"the web root {environment.WebRootPath ?? Path.Combine(environment.ContentRootPath, "wwwroot") + " (no such folder)"}. Start the service "
                + "from its publish folder, or give --contentRoot the folder that holds its wwwroot.");
        }
    }
}
