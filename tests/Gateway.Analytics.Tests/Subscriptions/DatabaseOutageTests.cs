using System.Net;
using System.Text;
using Dapr.Client;
using Gateway.Contracts.Analytics.V1;
using Gateway.Testing;
using Gateway.Testing.Dapr;
using Grpc.Core;
using AnalyticsContract = Gateway.Contracts.Analytics.V1.Analytics;

namespace Gateway.Analytics.Tests.Subscriptions;

/// <summary>An Analytics service on a PostgreSQL server of its own (stopped and restarted by the tests), configured
/// with a Dapr app API token.</summary>
public sealed class IsolatedAnalyticsFixture : IAsyncLifetime
{
    public const string AppApiToken = "test-dapr-app-token-0123456789";

    public PostgresServer Postgres { get; private set; } = null!;

    public ServiceHost<Program> Analytics { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        var settings = AnalyticsFixture.Settings(await Postgres.CreateDatabaseAsync("analytics"), new Uri("http://127.0.0.1:9"));
        settings["APP_API_TOKEN"] = AppApiToken;
        Analytics = new ServiceHost<Program>(settings).Start();
    }

    public async Task DisposeAsync()
    {
        await Analytics.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

public sealed class DatabaseOutageTests(IsolatedAnalyticsFixture fixture) : IClassFixture<IsolatedAnalyticsFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task While_the_database_is_down_delivery_is_retried_and_nothing_is_lost()
    {
        var tenant = AnalyticsFixture.NewTenantId("outage");
        using var channel = fixture.Analytics.CreateGrpcChannel();
        var ingest = new UsageIngest.UsageIngestClient(channel);
        var query = new AnalyticsContract.AnalyticsClient(channel);
        await using var sidecar = new FakeDaprSidecar(new FakeDaprSidecarOptions
        {
            MaxAttempts = 200,
            RetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(250),
            AppApiToken = IsolatedAnalyticsFixture.AppApiToken,
        });
        await sidecar.StartAsync(fixture.Analytics.HttpAddress);
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).Build();

        await fixture.Postgres.StopAsync();
        try
        {
            await dapr.PublishByteEventAsync("pubsub", "usage",
                Encoding.UTF8.GetBytes(UsageEvents.ToJson(UsageEvents.Batch(tenant, 3, "0.3"))));
            await sidecar.WaitUntilAsync(s => s.Attempts.Any(a => a.Outcome == DeliveryOutcome.Retry), Timeout, "a RETRY answer");

            var ingestError = await Assert.ThrowsAsync<RpcException>(() => ingest.IngestAsync(
                UsageEvents.Batch(tenant, 1), AnalyticsFixture.InternalHeaders).ResponseAsync);
            var queryError = await Assert.ThrowsAsync<RpcException>(() => query.GetCostRollupAsync(
                new GetCostRollupRequest { TenantId = tenant }, AnalyticsFixture.AdminHeaders).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, ingestError.StatusCode);
            Assert.Equal(StatusCode.Unavailable, queryError.StatusCode);
        }
        finally
        {
            await fixture.Postgres.RestartAsync();
        }

        await sidecar.WaitForIdleAsync(Timeout);

        var delivery = Assert.Single(sidecar.Delivered);
        Assert.Equal(DeliveryOutcome.Success, delivery.Outcome);
        Assert.True(delivery.Attempts > 1);
        Assert.Empty(sidecar.DeadLettered);
        var rollup = await query.GetCostRollupAsync(new GetCostRollupRequest { TenantId = tenant }, AnalyticsFixture.AdminHeaders);
        Assert.Equal((3L, "0.9"), (rollup.Totals.Requests, rollup.Totals.CostUsd));
    }

    [Fact]
    public async Task A_gateway_key_that_cannot_be_verified_is_unavailable_not_unauthenticated()
    {
        // This host's KeyVault address points at a closed port.
        using var channel = fixture.Analytics.CreateGrpcChannel();
        var query = new AnalyticsContract.AnalyticsClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => query.GetCostRollupAsync(
            new GetCostRollupRequest(), TestSecrets.Bearer("gwk_some0123456789abcdef")).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task A_summary_while_Config_is_unreachable_has_no_budget_and_says_so()
    {
        // This host's Config address points at a closed port.
        var tenant = AnalyticsFixture.NewTenantId("noconfig");
        using var channel = fixture.Analytics.CreateGrpcChannel();
        await new UsageIngest.UsageIngestClient(channel).IngestAsync(
            UsageEvents.Batch(UsageEvents.Create(tenant, "1.5", startedAt: DateTime.UtcNow.AddSeconds(-1))), AnalyticsFixture.InternalHeaders);

        var summary = await new AnalyticsContract.AnalyticsClient(channel).GetTenantSummaryAsync(
            new GetTenantSummaryRequest { TenantId = tenant }, AnalyticsFixture.AdminHeaders);

        Assert.Equal(("1.5", 1L), (summary.SpendUsd, summary.Requests));
        Assert.Equal((true, "", ""), (summary.BudgetUnavailable, summary.MonthlyBudgetUsd, summary.BudgetLeftUsd));
    }

    [Fact]
    public async Task Deliveries_without_the_app_api_token_are_refused()
    {
        using var http = fixture.Analytics.CreateHttpClient();
        using var content = new StringContent("""{"events":[]}""", Encoding.UTF8, "application/json");

        using var response = await http.PostAsync(new Uri("/events/usage", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
