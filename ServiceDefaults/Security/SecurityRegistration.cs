using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.ServiceDefaults.Security;

public static class SecurityRegistration
{
    /// <summary>Binds <see cref="SecurityOptions"/> (validated at start) and registers <see cref="CallerTokens"/>.</summary>
    public static IHostApplicationBuilder AddGatewaySecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SecurityOptions>()
            .Bind(builder.Configuration.GetSection(SecurityOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<CallerTokens>();
        return builder;
    }

    /// <summary>Sends the internal service token on every call of this client.</summary>
    public static IHttpClientBuilder AddInternalToken(this IHttpClientBuilder builder) =>
        builder.AddHttpMessageHandler(sp => new InternalTokenHandler(sp.GetRequiredService<IOptions<SecurityOptions>>().Value.InternalToken));

    private sealed class InternalTokenHandler(string token) : DelegatingHandler
    {
        private readonly AuthenticationHeaderValue _header = new("Bearer", token);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = _header;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
