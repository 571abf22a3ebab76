extern alias edge;

using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text;
using edge::Gateway.Edge.Options;
using edge::Gateway.Edge.Providers;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Edge.Tests.Providers;

/// <summary>The provider connection pool: connections kept alive and reused, HTTP/2 with prior knowledge (h2c) to
/// the plain-http upstreams configured for it, HTTP/2 offered to https providers, HTTP/1.1 otherwise.</summary>
public sealed class ProviderHttpClientTests : IAsyncLifetime
{
    private WebApplication _upstream = null!;
    private int _http1Port;
    private int _h2cPort;

    public async Task InitializeAsync()
    {
        _http1Port = FreePort.Next();
        _h2cPort = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        // The output directory holds the services' appsettings.json: only the endpoints below are to be bound.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, _http1Port, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, _h2cPort, listen => listen.Protocols = HttpProtocols.Http2);
        });
        _upstream = builder.Build();
        // Answers with the protocol and the connection the request came in on.
        _upstream.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            await reader.ReadToEndAsync();
            return context.Request.Protocol + " " + context.Connection.Id;
        });
        await _upstream.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _upstream.StopAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Plain_http_upstream_gets_http11_over_one_reused_connection()
    {
        using var client = Client(new ProviderHttpOptions());

        var answers = new List<(string Protocol, string Connection)>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await PostAsync(client, _http1Port));
        }

        Assert.All(answers, answer => Assert.Equal("HTTP/1.1", answer.Protocol));
        Assert.Single(answers.Select(answer => answer.Connection).Distinct());
    }

    [Fact]
    public async Task Configured_plain_http_upstream_gets_h2c_with_concurrent_requests_on_one_connection()
    {
        using var client = Client(new ProviderHttpOptions { Http2PriorKnowledgeHosts = [$"127.0.0.1:{_h2cPort}"] });
        // The first request opens the connection; the concurrent ones then share it as HTTP/2 streams.
        var first = await PostAsync(client, _h2cPort);

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => PostAsync(client, _h2cPort)));

        Assert.Equal("HTTP/2", first.Protocol);
        Assert.All(answers, answer => Assert.Equal("HTTP/2", answer.Protocol));
        Assert.All(answers, answer => Assert.Equal(first.Connection, answer.Connection));
    }

    [Fact]
    public async Task Unlisted_plain_http_upstream_is_not_sent_h2c()
    {
        // Listing another port must not make this one h2c: an HTTP/1.1-only server could not answer it.
        using var client = Client(new ProviderHttpOptions { Http2PriorKnowledgeHosts = [$"127.0.0.1:{_h2cPort}"] });

        var answer = await PostAsync(client, _http1Port);

        Assert.Equal("HTTP/1.1", answer.Protocol);
    }

    [Theory]
    [InlineData("https://api.openai.com/v1/chat/completions", true, "2.0", HttpVersionPolicy.RequestVersionOrLower)]
    [InlineData("https://api.openai.com/v1/chat/completions", false, "1.1", HttpVersionPolicy.RequestVersionOrLower)]
    [InlineData("http://localhost:11434/v1/chat/completions", true, "1.1", HttpVersionPolicy.RequestVersionOrLower)]
    [InlineData("http://vllm.internal:8000/v1/chat/completions", true, "2.0", HttpVersionPolicy.RequestVersionExact)]
    public void Version_is_chosen_per_request(string url, bool http2, string version, HttpVersionPolicy policy)
    {
        using var handler = new ProviderProtocolHandler(new SocketsHttpHandler(),
            new ProviderHttpOptions { Http2 = http2, Http2PriorKnowledgeHosts = ["vllm.internal:8000"] });
        // Providers build their messages themselves: HTTP/1.1 until the handler says otherwise.
        using var message = new HttpRequestMessage(HttpMethod.Post, url);

        handler.Apply(message);

        Assert.Equal(Version.Parse(version), message.Version);
        Assert.Equal(policy, message.VersionPolicy);
    }

    [Fact]
    public void Trace_context_of_the_current_activity_is_written_when_the_pool_has_no_diagnostics_handler()
    {
        using var handler = new ProviderProtocolHandler(new SocketsHttpHandler(), new ProviderHttpOptions(), propagateTraceContext: true);
        using var activity = new System.Diagnostics.Activity("edge-request")
            .SetParentId("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        activity.TraceStateString = "vendor=1";
        activity.Start();
        using var message = new HttpRequestMessage(HttpMethod.Post, "http://localhost:9/v1/chat/completions");
        using var forwarded = new HttpRequestMessage(HttpMethod.Post, "http://localhost:9/v1/chat/completions");
        forwarded.Headers.TryAddWithoutValidation("traceparent", "00-11111111111111111111111111111111-2222222222222222-01");

        handler.Apply(message);
        handler.Apply(forwarded);

        // The provider continues the client's trace, as a child of the Edge's request span.
        var traceParent = Assert.Single(message.Headers.GetValues("traceparent"));
        Assert.StartsWith("00-0af7651916cd43dd8448eb211c80319c-", traceParent, StringComparison.Ordinal);
        Assert.Equal(activity.Id, traceParent);
        Assert.Equal("vendor=1", Assert.Single(message.Headers.GetValues("tracestate")));
        // A header the request already carries is never replaced.
        Assert.Equal("00-11111111111111111111111111111111-2222222222222222-01", Assert.Single(forwarded.Headers.GetValues("traceparent")));
    }

    [Fact]
    public void No_trace_context_is_written_by_the_handler_when_HttpClient_propagates_it()
    {
        using var handler = new ProviderProtocolHandler(new SocketsHttpHandler(), new ProviderHttpOptions());
        using var activity = new System.Diagnostics.Activity("edge-request").Start();
        using var message = new HttpRequestMessage(HttpMethod.Post, "http://localhost:9/v1/chat/completions");

        handler.Apply(message);

        Assert.False(message.Headers.Contains("traceparent"));
    }

    [Theory]
    [InlineData("vllm.internal:8000", true)]
    [InlineData("127.0.0.1:9101", true)]
    [InlineData("[::1]:9101", true)]
    [InlineData("vllm.internal", false)]
    [InlineData("http://vllm.internal:8000", false)]
    [InlineData("vllm.internal:8000/v1", false)]
    public void Prior_knowledge_hosts_must_be_host_and_port(string entry, bool valid)
    {
        var options = new ProviderHttpOptions { Http2PriorKnowledgeHosts = [entry] };
        var results = new List<ValidationResult>();

        var ok = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.Equal(valid, ok);
        Assert.Equal(valid, results.Count == 0);
    }

    private static HttpMessageInvoker Client(ProviderHttpOptions options) => new ProviderHttpClient(Microsoft.Extensions.Options.Options.Create(options)).Client;

    private static async Task<(string Protocol, string Connection)> PostAsync(HttpMessageInvoker client, int port)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/v1/chat/completions")
        {
            Content = new StringContent("{\"model\":\"m\"}", Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(message, CancellationToken.None);
        response.EnsureSuccessStatusCode();
        var parts = (await response.Content.ReadAsStringAsync()).Split(' ');
        return (parts[0], parts[1]);
    }
}
