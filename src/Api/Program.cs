using Autoencoder.Api.Endpoints;
using Autoencoder.Api.Extensions;
using Autoencoder.Api.Health;
using Autoencoder.Api.Limits;
using Autoencoder.Api.OpenInference;

var builder = WebApplication.CreateBuilder(args);

builder.AddLogging();
builder.Services.AddApplicationServices();
builder.Services.AddProblemResponses();
builder.Services.AddRequestLimits();
builder.Services.AddSwagger();

var app = builder.Build();

app.UseRequestLogging();
app.UseRequestMetrics();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestLimits();
app.UseSwaggerUi();
app.UsePage();

app.MapInferenceApi();
app.MapModelsApi();
app.MapLatentMapApi();
app.MapHealthApi();
app.MapOpenInferenceApi();
app.MapMetricsEndpoint();

app.Run();

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
