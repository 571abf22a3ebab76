namespace Gateway.AppHost;

/// <summary>How every gateway service is added to the model.</summary>
internal static class GatewayResources
{
    /// <summary>Adds a service with its "http" endpoint (REST, /health, /alive, Dapr's app channel) and, for the
    /// internal services, its "grpc" endpoint.</summary>
    /// <remarks>
    /// The services' appsettings.json declare the Kestrel endpoints "http" and "grpc" on fixed local ports (the
    /// ones ./run.sh uses). Aspire would turn those into endpoints on the same fixed ports, so they are excluded
    /// here and declared with ports Aspire allocates; the Kestrel URLs are then overridden with the allocated
    /// target ports (Kestrel__Endpoints__{name}__Url), the same keys run.sh and the Kubernetes manifests set.
    /// gRPC is HTTP/2 only over plain HTTP (h2c), so it has its own endpoint with transport http2 and Kestrel
    /// protocols Http2. WithReference(service) then gives a consumer services__{name}__grpc__0, which is what
    /// AddInternalGrpcClient resolves ("http://_grpc.{name}").
    /// </remarks>
    public static IResourceBuilder<ProjectResource> AddGatewayService<TProject>(
        this IDistributedApplicationBuilder builder, string name, bool grpc)
        where TProject : IProjectMetadata, new()
    {
        var project = builder.AddProject<TProject>(name, options => options.ExcludeKestrelEndpoints = true)
            .WithHttpEndpoint(name: "http")
            .WithKestrelEndpoint("http", http2: false)
            .WithHttpHealthCheck("/health");
        if (grpc)
        {
            project
                .WithHttpEndpoint(name: "grpc")
                .WithEndpoint("grpc", endpoint => endpoint.Transport = "http2")
                .WithKestrelEndpoint("grpc", http2: true);
        }

        return project;
    }

    /// <summary>The two shared secrets every service reads (SecurityOptions: Security:AdminToken, Security:InternalToken).</summary>
    public static IResourceBuilder<ProjectResource> WithGatewaySecrets(this IResourceBuilder<ProjectResource> project,
        IResourceBuilder<ParameterResource> adminToken, IResourceBuilder<ParameterResource> internalToken) =>
        project
            .WithEnvironment("Security__AdminToken", adminToken)
            .WithEnvironment("Security__InternalToken", internalToken);

    private static IResourceBuilder<ProjectResource> WithKestrelEndpoint(this IResourceBuilder<ProjectResource> project,
        string endpointName, bool http2)
    {
        var endpoint = project.GetEndpoint(endpointName);
        return project.WithEnvironment(context =>
        {
            context.EnvironmentVariables[$"Kestrel__Endpoints__{endpointName}__Url"] =
                ReferenceExpression.Create($"http://localhost:{endpoint.Property(EndpointProperty.TargetPort)}");
            if (http2)
            {
                context.EnvironmentVariables[$"Kestrel__Endpoints__{endpointName}__Protocols"] = "Http2";
            }
        });
    }
}
