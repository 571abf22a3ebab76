namespace Gateway.Edge.Tests.Messages;

/// <summary>Builds Anthropic Messages API requests the way the Anthropic SDKs send them: the (gateway) key in
/// <c>x-api-key</c> and their own <c>anthropic-version</c>.</summary>
public static class MessagesRequests
{
    /// <summary>A version no provider knows: the gateway must replace it with the one it tested.</summary>
    public const string ClientVersion = "2099-01-01";

    public static HttpRequestMessage Create(string body, TestTenant? tenant, string? virtualKey, string? traceId = null,
        string path = "/v1/messages")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("anthropic-version", ClientVersion);
        if (tenant is not null)
        {
            request.Headers.Add("x-api-key", tenant.ApiKey);
        }

        if (virtualKey is not null)
        {
            request.Headers.Add("x-gateway-virtual-key", virtualKey);
        }

        if (traceId is not null)
        {
            request.Headers.Add("x-gateway-trace-id", traceId);
        }

        return request;
    }

    public static string Body(string model, bool stream = false) =>
        $$"""{"model":"{{model}}","max_tokens":256,"system":"Be brief.","messages":[{"role":"user","content":"Say hello to the gateway"}],"temperature":0.2,"stream":{{(stream ? "true" : "false")}}}""";

    /// <summary>Splits an Anthropic SSE body into (event name, data) pairs.</summary>
    public static List<(string Name, string Data)> Events(string body)
    {
        var events = new List<(string, string)>();
        foreach (var block in body.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null, data = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    name = line["event:".Length..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data = line["data:".Length..].Trim();
                }
            }

            if (name is not null && data is not null)
            {
                events.Add((name, data));
            }
        }

        return events;
    }
}
