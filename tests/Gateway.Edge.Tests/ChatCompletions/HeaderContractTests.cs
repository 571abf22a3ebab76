using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.ChatCompletions;

/// <summary>DESIGN.md's header table on <c>/v1/chat/completions</c>: requester, metadata, trace id, request timeout and
/// forward headers, canonical names and aliases, and their limits (400 before anything reaches the provider).</summary>
[Collection(EdgeCollection.Name)]
public sealed class HeaderContractTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", _provider.BaseUrl)).Slug;
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Theory]
    [InlineData("x-gateway-user")]
    [InlineData("x-metrion-user")]
    [InlineData("X-LLMGateway-User-ID")]
    public async Task Each_requester_header_reaches_the_usage_event(string header)
    {
        var usage = await SendOkAsync((header, "alice@example.com"));

        Assert.Equal("alice@example.com", usage.User);
    }

    [Fact]
    public async Task Metadata_user_is_the_requester_when_no_user_header_is_sent()
    {
        var usage = await SendOkAsync(("x-portkey-metadata", """{"_user":"bob","team":"search"}"""));

        Assert.Equal("bob", usage.User);
        Assert.Equal("search", usage.Metadata["team"]);
    }

    [Fact]
    public async Task Every_metadata_header_form_reaches_the_usage_event()
    {
        var usage = await SendOkAsync(
            ("x-gateway-metadata", """{"team":"search","env":"dev"}"""),
            ("x-gateway-meta-env", "prod"),
            ("X-LLMGateway-Feature", "autocomplete"),
            ("X-LLMGateway-User-ID", "u-42"));

        Assert.Equal(new Dictionary<string, string> { ["team"] = "search", ["env"] = "prod", ["feature"] = "autocomplete" },
            usage.Metadata.ToDictionary());
        Assert.Equal("u-42", usage.User);
        Assert.DoesNotContain(_provider.Requests[0].Headers.Keys, k => k.StartsWith("x-gateway-meta", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("x-gateway-metadata", "{\"team\":", "invalid_metadata")]
    [InlineData("x-portkey-metadata", "{\"n\":1}", "invalid_metadata")]
    [InlineData("x-gateway-meta-note", "LONG_VALUE", "metadata_limit_exceeded")]
    [InlineData("x-gateway-metadata", "TOO_MANY_KEYS", "metadata_limit_exceeded")]
    [InlineData("x-gateway-metadata", "HUGE_HEADER", "header_too_large")]
    [InlineData("x-gateway-user", "LONG_VALUE", "metadata_limit_exceeded")]
    [InlineData("x-gateway-request-timeout", "-1", "invalid_header")]
    [InlineData("x-portkey-request-timeout", "fast", "invalid_header")]
    [InlineData("x-gateway-forward-headers", "authorization", "invalid_header")]
    [InlineData("x-portkey-forward-headers", "x-api-key", "invalid_header")]
    [InlineData("x-gateway-custom-host", "not a url", "invalid_header")]
    public async Task Bad_headers_are_400_with_an_openai_error_and_nothing_is_sent_upstream(string header, string value, string code)
    {
        value = value switch
        {
            "LONG_VALUE" => new string('v', 513),
            "TOO_MANY_KEYS" => "{" + string.Join(",", Enumerable.Range(0, 33).Select(i => $"\"k{i}\":\"v\"")) + "}",
            "HUGE_HEADER" => "{\"k\":\"" + new string('v', 8 * 1024) + "\"}",
            _ => value,
        };
        var traceId = ChatRequests.NewTraceId();
        using var request = ChatRequests.Create(ChatRequests.Body(), _tenant, _virtualKey, traceId);
        request.Headers.TryAddWithoutValidation(header, value);
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(traceId, Assert.Single(response.Headers.GetValues("x-gateway-trace-id")));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(("invalid_request_error", code), (error.GetProperty("type").GetString(), error.GetProperty("code").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((400, code, _tenant.Id), (usage.StatusCode, usage.ErrorType, usage.TenantId));
        Assert.Empty(_provider.Requests);
    }

    [Theory]
    [InlineData("x-gateway-request-timeout")]
    [InlineData("x-portkey-request-timeout")]
    public async Task Request_timeout_shorter_than_the_provider_is_504(string header)
    {
        _provider.HeadersDelay = TimeSpan.FromMinutes(1);
        var traceId = ChatRequests.NewTraceId();
        using var request = ChatRequests.Create(ChatRequests.Body(), _tenant, _virtualKey, traceId);
        request.Headers.Add(header, "300");
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("upstream_timeout", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("0.3 seconds", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((504, "upstream_timeout"), (usage.StatusCode, usage.ErrorType));
    }

    [Fact]
    public async Task A_generous_request_timeout_does_not_get_in_the_way()
    {
        var usage = await SendOkAsync(("x-gateway-request-timeout", "60000"));

        Assert.Equal(200, usage.StatusCode);
    }

    [Fact]
    public async Task W3c_traceparent_gives_the_trace_id_and_continues_upstream()
    {
        var traceId = Guid.NewGuid().ToString("N");

        // Raw HTTP: in this process every HttpClient request gets its traceparent rewritten by the in-process
        // services' telemetry instrumentation, so only a hand-written request carries the client's own header.
        var (status, headers) = await RawPostAsync(
            ("Authorization", "Bearer " + _tenant.ApiKey),
            ("x-gateway-virtual-key", _virtualKey),
            ("traceparent", $"00-{traceId}-00f067aa0ba902b7-01"));

        Assert.Equal(200, status);
        Assert.Equal(traceId, headers["x-gateway-trace-id"]);
        Assert.Equal(200, (await fixture.Usage.SingleAsync(traceId)).StatusCode);
        // The provider call is a child in the same W3C trace.
        Assert.StartsWith($"00-{traceId}-", Assert.Single(_provider.Requests).Headers["traceparent"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Portkey_trace_id_alias_is_echoed_and_recorded()
    {
        var traceId = ChatRequests.NewTraceId();
        using var request = ChatRequests.Create(ChatRequests.Body(), _tenant, _virtualKey);
        request.Headers.Add("x-portkey-trace-id", traceId);
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(request);

        Assert.Equal(traceId, Assert.Single(response.Headers.GetValues("x-gateway-trace-id")));
        Assert.Equal(200, (await fixture.Usage.SingleAsync(traceId)).StatusCode);
    }

    [Theory]
    [InlineData("x-gateway-forward-headers")]
    [InlineData("x-portkey-forward-headers")]
    public async Task Forward_headers_reach_the_provider_and_credentials_never_do(string header)
    {
        await SendOkAsync(
            (header, "x-team-id, x-request-source, x-not-sent"),
            ("x-team-id", "t-9"),
            ("x-request-source", "ide"),
            ("x-other", "stays"));

        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("t-9", upstream.Headers["x-team-id"]);
        Assert.Equal("ide", upstream.Headers["x-request-source"]);
        Assert.False(upstream.Headers.ContainsKey("x-other"));
        Assert.False(upstream.Headers.ContainsKey("x-not-sent"));
        Assert.False(upstream.Headers.ContainsKey(header));
        Assert.Equal("Bearer sk-test-credential", upstream.Headers["Authorization"]);
        Assert.DoesNotContain(upstream.Headers.Keys, k => k.StartsWith("x-gateway-", StringComparison.OrdinalIgnoreCase));
    }

    private async Task<Gateway.Contracts.Usage.V1.UsageEvent> SendOkAsync(params (string Name, string Value)[] headers)
    {
        var traceId = ChatRequests.NewTraceId();
        using var request = ChatRequests.Create(ChatRequests.Body(), _tenant, _virtualKey, traceId);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var client = fixture.Edge.CreateHttpClient();
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await fixture.Usage.SingleAsync(traceId);
    }

    private async Task<(int Status, Dictionary<string, string> Headers)> RawPostAsync(params (string Name, string Value)[] headers)
    {
        var body = ChatRequests.Body();
        var head = new StringBuilder()
            .Append("POST /v1/chat/completions HTTP/1.1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Host: 127.0.0.1:{fixture.Edge.HttpPort}\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n")
            .Append("Connection: close\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, fixture.Edge.HttpPort);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(head.Append("\r\n").Append(body).ToString()));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();

        var lines = response[..response.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var parsed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            parsed[line[..colon]] = line[(colon + 1)..].Trim();
        }

        return (status, parsed);
    }
}
