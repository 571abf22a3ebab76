using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Testing.Providers;

/// <summary>What every fake provider shares: a minimal app on a free loopback port, and recording requests.</summary>
internal static class FakeServerHost
{
    /// <summary>Starts an app with the routes <paramref name="mapRoutes"/> adds; returns it and its base address
    /// (<c>http://127.0.0.1:port</c>).</summary>
    public static async Task<(WebApplication App, string Address)> StartAsync(string name, Action<WebApplication> mapRoutes)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = name, EnvironmentName = "Testing" });
        // The test output directory holds the services' appsettings.json, whose Kestrel endpoints would otherwise be
        // bound too: a fake provider listens on its free port only.
        builder.Configuration.Sources.Clear();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        var app = builder.Build();
        mapRoutes(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return (app, address.TrimEnd('/'));
    }

    /// <summary>Reads the whole request (path, query, headers, body) for the test to assert on.</summary>
    public static async Task<FakeRequest> RecordAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in context.Request.Headers)
        {
            headers[name] = value.ToString();
        }

        return new FakeRequest(context.Request.Path, headers, buffer.ToArray(), context.Request.QueryString.Value ?? "");
    }

    public static async ValueTask StopAsync(WebApplication app)
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
