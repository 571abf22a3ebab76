using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Testing;

/// <summary>Runs one Gateway service in-process on real Kestrel sockets: an HTTP/1.1 endpoint ("http") and an
/// HTTP/2 gRPC endpoint ("grpc") on free loopback ports, configured exactly through the keys the service reads in
/// production (connection strings, Security tokens, service discovery).</summary>
public sealed class ServiceHost<TEntryPoint> : WebApplicationFactory<TEntryPoint> where TEntryPoint : class
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;

    /// <param name="settings">Configuration, as the service would read it from appsettings/environment.</param>
    /// <param name="configureServices">Optional replacements applied after the service's own registrations
    /// (for observing, e.g. capturing what the service emits).</param>
    public ServiceHost(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null)
        : this(settings, configureServices, FreePort.Next(), FreePort.Next())
    {
    }

    private ServiceHost(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices,
        int httpPort, int grpcPort)
    {
        _configureServices = configureServices;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
        _settings = new Dictionary<string, string?>(settings)
        {
            ["Kestrel:Endpoints:http:Url"] = $"http://127.0.0.1:{HttpPort}",
            ["Kestrel:Endpoints:grpc:Url"] = $"http://127.0.0.1:{GrpcPort}",
            ["Kestrel:Endpoints:grpc:Protocols"] = "Http2",
        };
        UseKestrel();
    }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    public Uri HttpAddress => new($"http://127.0.0.1:{HttpPort}");

    public Uri GrpcAddress => new($"http://127.0.0.1:{GrpcPort}");

    /// <summary>Starts the host (idempotent) and returns it, for fluent fixture code.</summary>
    public ServiceHost<TEntryPoint> Start()
    {
        StartServer();
        return this;
    }

    /// <summary>A new, unstarted host of the same service with the same settings on the same ports: dispose this one
    /// (an outage), then start the replacement (the restart), and clients configured with the old addresses reach it.</summary>
    public ServiceHost<TEntryPoint> CreateReplacement() => new(_settings, _configureServices, HttpPort, GrpcPort);

    /// <summary>A channel to the gRPC endpoint; the caller owns it.</summary>
    public GrpcChannel CreateGrpcChannel() => GrpcChannel.ForAddress(GrpcAddress);

    /// <summary>A client for the HTTP endpoint over real sockets.</summary>
    public HttpClient CreateHttpClient() => new() { BaseAddress = HttpAddress };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_configureServices is not null)
        {
            builder.ConfigureTestServices(_configureServices);
        }
    }
}
