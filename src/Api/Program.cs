using Autoencoder.Api.Endpoints;
using Autoencoder.Api.Hosting;
using Autoencoder.Api.Health;
using Autoencoder.Api.Http;
using Autoencoder.Api.Limits;
using Autoencoder.Api.OpenInference;
using Autoencoder.Api.OpenInference.Grpc;
using System.Runtime.InteropServices;

// In a container the service is PID 1, and the kernel drops any signal PID 1 has no handler for. Until the host installs
// its own SIGTERM handler as it starts (then a SIGTERM is a graceful stop), a SIGTERM ends the process here, as it would
// any other process, instead of being lost while the service starts.
var stopBeforeStart = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Environment.Exit(128 + 15));

var builder = WebApplication.CreateBuilder(args);

builder.AddLogging();
builder.AddPage();
builder.Services.AddApplicationServices();
builder.Services.AddProblemResponses();
builder.Services.AddRequestLimits();
builder.Services.AddSwagger();
builder.Services.AddSecurityHeaders();
builder.Services.AddCrossOrigin();
builder.Services.AddGrpcFrontDoor();

var app = builder.Build();

app.UseSecurityHeaders();
app.UseRequestLogging();
app.UseRequestMetrics();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCrossOrigin();
app.UseRequestLimits();
app.UseSwaggerUi();
app.UsePage();

app.MapInferenceApi();
app.MapModelsApi();
app.MapLatentMapApi();
app.MapHealthApi();
app.MapOpenInferenceApi();
app.MapGrpcFrontDoor();
app.MapMetricsEndpoint();

stopBeforeStart.Dispose();
app.Run();

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
