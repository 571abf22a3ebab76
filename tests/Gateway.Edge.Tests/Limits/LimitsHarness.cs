extern alias edge;

using System.Diagnostics.Metrics;
using edge::Gateway.Edge.Auth;
using edge::Gateway.Edge.Limits;
using edge::Gateway.Edge.Options;
using edge::Gateway.Edge.Pricing;
using ConfigV1 = Gateway.Contracts.Config.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Edge.Tests.Limits;

/// <summary><see cref="RedisRequestAdmission"/> as the Edge builds it, on a real Redis (or none), with a clock the test
/// moves, a price table the test sets and tenant policies placed in the policy cache (as if read from Config).</summary>
internal sealed class LimitsHarness : IDisposable
{
    /// <summary>USD per 1M tokens of <see cref="PricedModel"/>: input 1, output 2.</summary>
    public const string PricedModel = "gpt-limits-test";

    private readonly GrpcChannel _unusedConfig = GrpcChannel.ForAddress("http://127.0.0.1:9");
    private readonly KeyResolutionCache _cache = new(MsOptions.Create(new EdgeOptions()));
    private readonly ServiceProvider _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly ConnectionMultiplexer? _redis;
    private long _failOpen;

    public LimitsHarness(string? redisConnection, LimitOptions? options = null)
    {
        // A generous timeout: on a loaded test machine a 500 ms one would fail open now and then, and a request let
        // through uncounted makes the window arithmetic below look wrong.
        Options = options ?? new LimitOptions { KeyPrefix = "test:" + Guid.NewGuid().ToString("N")[..8] + ":", OperationTimeout = TimeSpan.FromSeconds(10) };
        var optionsWrapper = MsOptions.Create(Options);
        var meters = _metricsServices.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == LimitsMetrics.FailOpenName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _failOpen, value));
        _listener.Start();

        var prices = new PriceCatalog();
        prices.Publish(PriceBook.From(new ConfigV1.PriceTable
        {
            Version = "test",
            Prices = { new ConfigV1.ModelPrice { Provider = "openai", Model = PricedModel, InputPerMtok = "1", CachedInputPerMtok = "0.5", CacheWritePerMtok = "0", OutputPerMtok = "2" } },
        }));

        if (redisConnection is not null)
        {
            var configuration = ConfigurationOptions.Parse(redisConnection);
            configuration.AbortOnConnectFail = false;
            configuration.ConnectTimeout = 1000;
            _redis = ConnectionMultiplexer.Connect(configuration);
            Store = new RedisLimitStore(_redis, optionsWrapper);
        }

        var policies = new TenantPolicyReader(new ConfigV1.Config.ConfigClient(_unusedConfig), _cache, MsOptions.Create(new EdgeOptions()),
            NullLogger<TenantPolicyReader>.Instance);
        Admission = new RedisRequestAdmission(policies, prices, new LimitsMetrics(meters), optionsWrapper, Clock,
            NullLogger<RedisRequestAdmission>.Instance, Store);
    }

    public LimitOptions Options { get; }

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero));

    public RedisLimitStore? Store { get; }

    public RedisRequestAdmission Admission { get; }

    public IDatabase Redis => _redis!.GetDatabase();

    /// <summary>Fail-open measurements of this harness's meter only.</summary>
    public long FailOpenCount => Interlocked.Read(ref _failOpen);

    /// <summary>A new tenant governed by <paramref name="policy"/>.</summary>
    public string NewTenant(TenantPolicy policy)
    {
        var tenantId = "t-" + Guid.NewGuid().ToString("N")[..12];
        _cache.Set(KeyResolutionCache.PolicyCacheKey(tenantId), policy, TimeSpan.FromHours(1));
        return tenantId;
    }

    public static TenantPolicy Policy(decimal? budgetUsd = null, RateLimits? tenant = null, RateLimits? key = null) =>
        TenantPolicy.Default with { MonthlyBudgetUsd = budgetUsd, TenantLimits = tenant ?? RateLimits.None, KeyLimits = key ?? RateLimits.None };

    /// <summary>A request of <see cref="PricedModel"/> whose estimate is <paramref name="inputTokens"/> x USD 1/M plus
    /// <paramref name="maxOutputTokens"/> x USD 2/M.</summary>
    public static AdmissionRequest Request(string tenantId, string apiKeyId = "key-1", long inputTokens = 1000, long? maxOutputTokens = 1000,
        string model = PricedModel) =>
        new(new CallerIdentity(tenantId, apiKeyId), "openai", model, inputTokens * 4, maxOutputTokens);

    public void Dispose()
    {
        _listener.Dispose();
        _metricsServices.Dispose();
        _redis?.Dispose();
        _cache.Dispose();
        _unusedConfig.Dispose();
    }
}

/// <summary>A clock that only moves when told.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Set(DateTimeOffset now) => _now = now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>One real Redis for the limits tests that do not need the Edge.</summary>
public sealed class LimitsRedisFixture : IAsyncLifetime
{
    public Gateway.Testing.RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await Gateway.Testing.RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
