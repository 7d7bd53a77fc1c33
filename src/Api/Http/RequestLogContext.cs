namespace Autoencoder.Api.Http;

/// <summary>What the request log line says about the model a request used.</summary>
public static class RequestLogContext
{
    private const string ModelKey = "autoencoder.model";
    private const string ProviderKey = "autoencoder.provider";

    public static void SetModel(HttpContext context, string model, string provider)
    {
        context.Items[ModelKey] = model;
        context.Items[ProviderKey] = provider;
    }

    public static (string? Model, string? Provider) Get(HttpContext context) =>
        (context.Items[ModelKey] as string, context.Items[ProviderKey] as string);
}
