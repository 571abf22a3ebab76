using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Gateway.ServiceDefaults.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.ServiceDefaults.Grpc;

public static class GrpcDefaults
{
    /// <summary>gRPC with reflection (any client can discover the API) and the standard gRPC health service, which
    /// reports the same checks as <c>/health</c>.</summary>
    public static IHostApplicationBuilder AddGatewayGrpc(this IHostApplicationBuilder builder)
    {
        builder.Services.AddGrpc(options => options.EnableDetailedErrors = builder.Environment.IsDevelopment());
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks();
        return builder;
    }

    public static IEndpointRouteBuilder MapGatewayGrpcDefaults(this IEndpointRouteBuilder app)
    {
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        return app;
    }

    /// <summary>Registers a typed gRPC client for a service found by service discovery under <paramref name="serviceName"/>
    /// on its "grpc" endpoint (<c>services__{name}__grpc__0</c>), sending the internal token.</summary>
    public static IHttpClientBuilder AddInternalGrpcClient<TClient>(this IServiceCollection services, string serviceName)
        where TClient : class =>
        services.AddGrpcClient<TClient>(o => o.Address = new Uri($"http://_grpc.{serviceName}"))
            .AddInternalToken();
}
