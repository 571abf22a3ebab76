extern alias edge;

using System.Diagnostics;
using edge::Gateway.Edge.Http;
using edge::Gateway.Edge.Options;
using edge::Gateway.Edge.Providers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Edge.Tests.Http;

/// <summary>The Edge's own request activity, started when ASP.NET Core started none (its per-request log scope is off
/// while nothing is exported): the provider call still continues the client's W3C trace.</summary>
[Collection(EdgeCollection.Name)]
public sealed class RequestActivityTests(EdgeFixture fixture)
{
    private const string ClientTraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void Continues_the_clients_trace_context_and_the_provider_call_continues_it_too()
    {
        Activity.Current = null;
        var headers = new HeaderDictionary
        {
            ["traceparent"] = ClientTraceParent,
            ["tracestate"] = "vendor=1",
            ["baggage"] = "tenant=a,team=b",
        };

        using var activity = RequestActivity.StartIfNone(headers);

        Assert.NotNull(activity);
        Assert.Same(activity, Activity.Current);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", activity.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", activity.ParentSpanId.ToHexString());
        Assert.Equal("vendor=1", activity.TraceStateString);
        Assert.Equal([new("team", "b"), new("tenant", "a")], activity.Baggage.OrderBy(item => item.Key, StringComparer.Ordinal));
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", TraceIds.Resolve(headers));

        using var handler = new ProviderProtocolHandler(new SocketsHttpHandler(), new ProviderHttpOptions(), propagateTraceContext: true);
        using var message = new HttpRequestMessage(HttpMethod.Post, "http://localhost:9/v1/chat/completions");
        handler.Apply(message);
        var traceParent = Assert.Single(message.Headers.GetValues("traceparent"));
        // A child of the Edge's span in the client's trace, with the client's sampling decision.
        Assert.StartsWith("00-0af7651916cd43dd8448eb211c80319c-", traceParent, StringComparison.Ordinal);
        Assert.EndsWith("-01", traceParent, StringComparison.Ordinal);
        Assert.DoesNotContain("b7ad6b7169203331", traceParent, StringComparison.Ordinal);
        Assert.Equal("vendor=1", Assert.Single(message.Headers.GetValues("tracestate")));
        Assert.True(message.Headers.Contains("baggage"));
    }

    [Fact]
    public void Without_trace_headers_a_new_trace_is_started_and_names_the_request()
    {
        Activity.Current = null;
        var headers = new HeaderDictionary();

        using var activity = RequestActivity.StartIfNone(headers);

        Assert.NotNull(activity);
        Assert.Equal(ActivityIdFormat.W3C, activity.IdFormat);
        Assert.Equal(default, activity.ParentSpanId);
        Assert.Equal(activity.TraceId.ToHexString(), TraceIds.Resolve(headers));
    }

    [Fact]
    public void An_activity_already_current_is_left_alone()
    {
        using var current = new Activity("hosting").Start();

        using var activity = RequestActivity.StartIfNone(new HeaderDictionary { ["traceparent"] = ClientTraceParent });

        Assert.Null(activity);
        Assert.Same(current, Activity.Current);
    }

    [Fact]
    public void The_activity_ends_with_the_request_and_restores_what_was_current()
    {
        Activity.Current = null;

        using (RequestActivity.StartIfNone(new HeaderDictionary()))
        {
            Assert.NotNull(Activity.Current);
        }

        Assert.Null(Activity.Current);
    }

    [Fact]
    public void Hosting_log_scope_is_off_when_nothing_is_exported()
    {
        var loggers = fixture.Edge.Services.GetRequiredService<ILoggerFactory>();

        // ASP.NET Core opens its per-request scope (and activity) only when this category logs at Critical.
        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Critical));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").IsEnabled(LogLevel.Critical));
    }

    [Fact]
    public async Task A_configured_level_for_the_hosting_category_is_kept()
    {
        await using var edge = fixture.StartEdge(fixture.KeyVaultGrpcAddress, new CapturingUsageRecorder(),
            new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information" });

        var loggers = edge.Services.GetRequiredService<ILoggerFactory>();

        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
    }
}
