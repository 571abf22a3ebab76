using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;
using Gateway.Edge.Providers.Azure;
using Gateway.Edge.Providers.OpenAiCompatible;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Pipeline;

/// <summary>URLs of OpenAI-wire operations besides chat (embeddings, legacy completions, passthrough paths) for
/// every provider that speaks the OpenAI wire format, with the same base URL precedence as chat: the virtual key's
/// (or custom host), else <c>Providers:&lt;Name&gt;:BaseUrl</c>, else the provider's default. Azure OpenAI: the
/// deployment's operation (<c>/openai/deployments/{d}/embeddings?api-version=</c>) or, with <c>api_version: v1</c>,
/// <c>/openai/v1/...</c>; resource-level paths (passthrough) go to <c>/openai{path}?api-version=</c>.</summary>
internal sealed class OpenAiWireRoutes(IOptionsMonitor<OpenAiWireOptions> wireOptions, IOptions<AzureOpenAiOptions> azureOptions)
{
    private const string AzureChatSuffix = "/chat/completions";
    private const string AzureV1Segment = "/openai/v1/";
    private const string AzureDeploymentsSegment = "/openai/deployments/";

    private readonly Dictionary<string, OpenAiWireProfile> _profiles =
        OpenAiWireProfiles.All.ToDictionary(profile => profile.Name, StringComparer.Ordinal);

    /// <param name="path">The operation path after the API root, starting with '/': <c>/embeddings</c>, <c>/files/abc</c>.</param>
    /// <param name="query">The client's query string with its '?', or empty.</param>
    /// <param name="deploymentScoped">Azure: the operation belongs to a deployment (embeddings, completions).</param>
    /// <param name="operation">How error messages name the operation, e.g. "embeddings".</param>
    public Outcome<OpenAiWireRoute> Resolve(ProviderTarget target, string path, string query, bool deploymentScoped, string operation)
    {
        if (target.Provider == AzureOpenAiUri.Provider)
        {
            return ResolveAzure(target, path, query, deploymentScoped);
        }

        if (!_profiles.TryGetValue(target.Provider, out var profile))
        {
            return NotOffered(target.Provider, operation);
        }

        var options = wireOptions.Get(profile.Name);
        var baseUrl = target.BaseUrl.Length > 0 ? target.BaseUrl
            : options.BaseUrl is { Length: > 0 } configured ? configured
            : profile.DefaultBaseUrl;
        if (baseUrl.Length == 0)
        {
            return ProviderConfigurationError.MissingBaseUrl(profile.Name);
        }

        var url = string.Concat(baseUrl.AsSpan().TrimEnd('/'), path, query);
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && OpenAiWire.IsHttp(uri)
            ? new OpenAiWireRoute(uri, OpenAiWire.RequestsStreamUsage(target, options.RequestStreamUsage ?? profile.RequestsStreamUsage), target, false)
            : GatewayError.UpstreamInvalidUrl(profile.Name);
    }

    /// <summary>A 400 that names the provider, for providers that do not speak the OpenAI wire format.</summary>
    public static GatewayError NotOffered(string provider, string operation) => new(StatusCodes.Status400BadRequest,
        ErrorTypes.InvalidRequest, "unsupported_endpoint", $"{operation} are not offered by {provider}.");

    /// <summary>Starts from the chat URL <see cref="AzureOpenAiUri"/> builds (one place validates resource, deployment
    /// and api version) and swaps the operation.</summary>
    private Outcome<OpenAiWireRoute> ResolveAzure(ProviderTarget target, string path, string query, bool deploymentScoped)
    {
        var options = azureOptions.Value;
        var built = AzureOpenAiUri.Build(target, options);
        if (built.Error is { } error)
        {
            return error;
        }

        var chat = built.Value!;
        var left = chat.GetLeftPart(UriPartial.Path);
        var apiVersionQuery = chat.Query;
        string url;
        if (left.Contains(AzureV1Segment, StringComparison.Ordinal))
        {
            url = string.Concat(left.AsSpan(0, left.Length - AzureChatSuffix.Length), path, query);
        }
        else if (deploymentScoped)
        {
            url = string.Concat(left.AsSpan(0, left.Length - AzureChatSuffix.Length), path, MergeQuery(query, apiVersionQuery));
        }
        else
        {
            var root = left[..left.IndexOf(AzureDeploymentsSegment, StringComparison.Ordinal)];
            url = string.Concat(root, "/openai", path, MergeQuery(query, apiVersionQuery));
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? new OpenAiWireRoute(uri, OpenAiWire.RequestsStreamUsage(target, options.RequestStreamUsage), target, true)
            : GatewayError.UpstreamInvalidUrl(AzureOpenAiUri.Provider);
    }

    /// <summary>The client's query plus Azure's <c>api-version</c> (which the gateway's configuration decides).</summary>
    private static string MergeQuery(string clientQuery, string apiVersionQuery) =>
        clientQuery.Length == 0 ? apiVersionQuery : string.Concat(clientQuery, "&", apiVersionQuery.AsSpan(1));
}
