using System.Text.Json;
using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers.Mock;
using Gateway.ServiceDefaults.Buffers;
using Microsoft.Net.Http.Headers;

namespace Gateway.Edge.Models;

/// <summary><c>GET /v1/models</c>: the models the caller's tenant can reach, in OpenAI's list format: for each
/// provider it has a virtual key for, the price table's models of that provider (Azure OpenAI deployments serve
/// OpenAI's models, the Gemini API Google's), and <c>mock-1</c> for the mock provider. <c>owned_by</c> is the
/// provider to send them through; <c>created</c> is unknown to the gateway and always 0.</summary>
internal sealed class ModelsHandler(GatewayPipeline pipeline, TenantProviders tenantProviders, PriceTableModels priceTable)
{
    public const string Route = "/v1/models";
    private const string MockModel = "mock-1";

    public Task HandleAsync(HttpContext context) => pipeline.RunAsync(context, Route, ProcessAsync);

    private async Task<GatewayError?> ProcessAsync(GatewayRequest request)
    {
        var authenticated = await pipeline.AuthenticateAsync(request);
        if (authenticated.Error is { } authError)
        {
            return authError;
        }

        var providers = await tenantProviders.GetAsync(authenticated.Value!.Caller.TenantId, request.Aborted);
        if (providers.Error is { } providersError)
        {
            return providersError;
        }

        var table = await priceTable.GetAsync(request.Aborted);
        if (table.Error is { } tableError)
        {
            return tableError;
        }

        using var body = new PooledBufferWriter(4096);
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            foreach (var provider in providers.Value!)
            {
                if (provider == MockProvider.ProviderName)
                {
                    WriteModel(json, MockModel, provider);
                }
                else if (table.Value!.TryGetValue(PriceTableProvider(provider), out var models))
                {
                    foreach (var model in models)
                    {
                        WriteModel(json, model, provider);
                    }
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var response = request.Context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers[HeaderNames.ContentType] = "application/json";
        response.ContentLength = body.WrittenCount;
        request.Record.MarkFirstByte();
        await response.Body.WriteAsync(body.WrittenMemory, request.Aborted);
        return null;
    }

    /// <summary>Providers priced under another provider's rows (as <c>PriceBook</c> prices them).</summary>
    private static string PriceTableProvider(string provider) => provider switch
    {
        "azure-openai" => "openai",
        "gemini" => "google",
        _ => provider,
    };

    private static void WriteModel(Utf8JsonWriter json, string id, string provider)
    {
        json.WriteStartObject();
        json.WriteString("id", id);
        json.WriteString("object", "model");
        json.WriteNumber("created", 0);
        json.WriteString("owned_by", provider);
        json.WriteEndObject();
    }
}
