using System.Collections.Concurrent;
using System.Net;
using Gateway.Contracts.Config.V1;
using Gateway.Testing;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ConfigContract = Gateway.Contracts.Config.V1.Config;

namespace Gateway.Analytics.Tests;

/// <summary>A stand-in for Config's GetTenantPolicy, the only Config call Analytics makes. The real Config service
/// does not store policy limits (the monthly budget) yet, so the budget tests cannot run against it; everything else
/// answers UNIMPLEMENTED.</summary>
public sealed class FakeConfigServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeConfigServer(WebApplication app, int port)
    {
        _app = app;
        GrpcAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri GrpcAddress { get; }

    /// <summary>Monthly budgets by tenant ("" or absent: no budget).</summary>
    public ConcurrentDictionary<string, string> Budgets { get; } = new(StringComparer.Ordinal);

    /// <summary>Bearer tokens the calls carried, to check Analytics authenticates as an internal service.</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

    public static async Task<FakeConfigServer> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o =>
        {
            // Not the endpoints of the Analytics appsettings.json copied next to the tests (a running Analytics
            // process holds those ports): only the free port below.
            o.Configure(new ConfigurationBuilder().Build());
            o.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<FakeConfigService>();
        var app = builder.Build();
        var server = new FakeConfigServer(app, port);
        app.Services.GetRequiredService<FakeConfigService>().Server = server;
        app.MapGrpcService<FakeConfigService>();
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class FakeConfigService : ConfigContract.ConfigBase
    {
        public FakeConfigServer Server { get; set; } = null!;

        public override Task<TenantPolicy> GetTenantPolicy(GetTenantPolicyRequest request, ServerCallContext context)
        {
            Server.Authorizations.Enqueue(context.RequestHeaders.GetValue("authorization") ?? "");
            return Task.FromResult(new TenantPolicy
            {
                TenantId = request.TenantId,
                Limits = new TenantPolicyLimits { MonthlyBudgetUsd = Server.Budgets.GetValueOrDefault(request.TenantId, "") },
            });
        }
    }
}
