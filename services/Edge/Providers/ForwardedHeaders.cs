using Gateway.Edge.Http;

namespace Gateway.Edge.Providers;

/// <summary>Adds the client headers listed in <c>x-gateway-forward-headers</c> to an upstream request. Every HTTP
/// provider calls this after setting its own headers: a header the provider already set (credentials, API version)
/// is never replaced, and forbidden names are skipped again here so no caller can forward a credential by mistake.</summary>
internal static class ForwardedHeaders
{
    public static void Apply(HttpRequestMessage message, ChatRequest request)
    {
        var headers = request.ForwardHeaders;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            if (!ForwardHeaderList.IsForbidden(name) && !message.Headers.Contains(name))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }
}
