using Gateway.Edge.Errors;
using Gateway.Edge.Http;

namespace Gateway.Edge.Auth;

/// <summary>Where a request goes and with which credential. Precedence, highest first:
/// <list type="number">
/// <item>a virtual key (<c>x-gateway-virtual-key</c>): its provider, credential and base URL; a passthrough key sent
/// alongside is ignored;</item>
/// <item>a passthrough provider key (see <see cref="GatewayKeyReader"/>) for the provider named in
/// <c>x-gateway-provider</c>;</item>
/// <item>with a custom host only: no credential at all (local Ollama/vLLM servers need none).</item>
/// </list>
/// A custom host replaces the base URL and always speaks the OpenAI wire format (<c>openai</c> provider); it must
/// pass the tenant policy (<see cref="CustomHostGuard"/>).</summary>
internal sealed class ProviderTargetResolver(VirtualKeyResolver virtualKeys, CustomHostGuard customHosts)
{
    /// <summary>The wire format every custom host speaks.</summary>
    public const string CustomHostProvider = "openai";

    private static readonly IReadOnlyDictionary<string, string> NoExtras = new Dictionary<string, string>();

    /// <param name="requestedProvider">The <c>x-gateway-provider</c> value, lowercase, or null.</param>
    public async ValueTask<Outcome<ProviderTarget>> ResolveAsync(string tenantId, IHeaderDictionary headers, string? providerKey,
        string? requestedProvider, Uri? customHost, CancellationToken cancellationToken)
    {
        if (customHost is not null)
        {
            if (requestedProvider is not null && requestedProvider != CustomHostProvider)
            {
                return GatewayError.CustomHostProvider(requestedProvider);
            }

            if (await customHosts.CheckAsync(tenantId, customHost, cancellationToken) is { } hostError)
            {
                return hostError;
            }
        }

        var baseUrl = customHost?.AbsoluteUri ?? "";
        if (GatewayHeaders.First(headers, GatewayHeaders.VirtualKey, GatewayHeaders.PortkeyVirtualKey)?.Trim() is { Length: > 0 } slug)
        {
            var resolved = await virtualKeys.ResolveAsync(tenantId, slug, cancellationToken);
            if (resolved.Error is not null || customHost is null)
            {
                return resolved.Error is null && requestedProvider is not null && requestedProvider != resolved.Value!.Provider
                    ? GatewayError.ProviderMismatch(requestedProvider, resolved.Value.Provider)
                    : resolved;
            }

            // The virtual key lends its credential to the custom host; its own provider and base URL do not apply.
            return resolved.Value! with { Provider = CustomHostProvider, BaseUrl = baseUrl };
        }

        if (providerKey is not null)
        {
            if (customHost is null && requestedProvider is null)
            {
                return GatewayError.MissingProvider();
            }

            return new ProviderTarget("", requestedProvider ?? CustomHostProvider, providerKey, baseUrl, NoExtras);
        }

        return customHost is not null
            ? new ProviderTarget("", CustomHostProvider, "", baseUrl, NoExtras)
            : GatewayError.MissingVirtualKey();
    }
}
