using System.Net.Http.Headers;
using System.Text;

namespace Gateway.Edge.Tests.Pipeline;

/// <summary>Requests to any Edge endpoint, authenticated like <see cref="ChatRequests"/> does for chat.</summary>
internal static class EdgeRequests
{
    public static HttpRequestMessage Create(HttpMethod method, string path, TestTenant? tenant, string? virtualKey, string traceId,
        string? jsonBody = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (jsonBody is not null)
        {
            request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        }

        if (tenant is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        }

        if (virtualKey is not null)
        {
            request.Headers.Add("x-gateway-virtual-key", virtualKey);
        }

        request.Headers.Add("x-gateway-trace-id", traceId);
        return request;
    }
}
