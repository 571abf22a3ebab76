// The gateway under Aspire: Redis, PostgreSQL (one database per owning service), the five services and Dapr
// sidecars for the Edge (publishes usage) and Analytics (subscribes). The services read exactly the keys ./run.sh
// and the Kubernetes manifests set: ConnectionStrings__<name>, services__<name>__grpc__0, Security__*, KeyVault__*,
// Kestrel__Endpoints__<http|grpc>__*. tests/Gateway.Deploy.Tests/AppHost checks those names against the services.
using System.Collections.Immutable;
using CommunityToolkit.Aspire.Hosting.Dapr;
using Gateway.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Secrets: "Parameters:<name>" from user secrets or the environment (Parameters__admin-token), or asked for by the
// dashboard when missing. master-key is base64 of 32 random bytes (openssl rand -base64 32).
var adminToken = builder.AddParameter("admin-token", secret: true);
var internalToken = builder.AddParameter("internal-token", secret: true);
var masterKey = builder.AddParameter("master-key", secret: true);

// AddRedis always generates a password parameter; the connection string carries it (ConnectionStrings__redis).
var redis = builder.AddRedis("redis");
var postgres = builder.AddPostgres("postgres");
var keyvaultDb = postgres.AddDatabase("keyvaultdb");
var configDb = postgres.AddDatabase("configdb");
var analyticsDb = postgres.AddDatabase("analyticsdb");

// Dapr pub/sub for usage events. The toolkit starts from AppHost/.dapr/components/pubsub.yaml (pubsub.redis; without
// that file it would fall back to pubsub.in-memory, which does not cross apps) and fills in this Redis.
var redisHost = redis.Resource.PrimaryEndpoint.Property(EndpointProperty.Host);
var redisPort = redis.Resource.PrimaryEndpoint.Property(EndpointProperty.Port);
var pubsub = builder.AddDaprPubSub("pubsub")
    .WithMetadata("redisHost", ReferenceExpression.Create($"{redisHost}:{redisPort}"))
    .WaitFor(redis);
if (redis.Resource.PasswordParameter is not null)
{
    pubsub.WithMetadata("redisPassword", redis.Resource.PasswordParameter);
}

var keyvault = builder.AddGatewayService<Projects.Gateway_KeyVault>("keyvault", grpc: true)
    .WithGatewaySecrets(adminToken, internalToken)
    .WithEnvironment("KeyVault__MasterKey", masterKey)
    .WithReference(keyvaultDb).WaitFor(keyvaultDb);

var config = builder.AddGatewayService<Projects.Gateway_Config>("config", grpc: true)
    .WithGatewaySecrets(adminToken, internalToken)
    .WithReference(configDb).WaitFor(configDb);

var cache = builder.AddGatewayService<Projects.Gateway_Cache>("cache", grpc: true)
    .WithGatewaySecrets(adminToken, internalToken)
    .WithReference(redis).WaitFor(redis);

// Analytics subscribes to "usage" through its sidecar (app id "analytics"). Its subscription is announced on
// GET /dapr/subscribe; .dapr/resources adds the same Subscription declaratively and the Resiliency policy that
// retries deliveries Analytics answers with RETRY (pubsub.redis would otherwise drop them after one redelivery).
var analytics = builder.AddGatewayService<Projects.Gateway_Analytics>("analytics", grpc: true)
    .WithGatewaySecrets(adminToken, internalToken)
    .WithReference(analyticsDb).WaitFor(analyticsDb)
    .WithReference(keyvault).WaitFor(keyvault)
    .WithReference(config).WaitFor(config)
    .WithDaprSidecar(sidecar => sidecar
        .WithOptions(new DaprSidecarOptions
        {
            AppId = "analytics",
            ResourcesPaths = ImmutableHashSet.Create(".dapr/resources"),
        })
        .WithReference(pubsub));

// The Edge is the only resource with an external endpoint. Its sidecar (app id "edge") gives it DAPR_GRPC_ENDPOINT,
// so it publishes usage through Dapr; the analytics reference stays for Usage__Transport=Direct. The cache reference
// gives it services__cache__grpc__0 (the response cache).
// Redis holds the tenants' budgets and rate-limit windows (ConnectionStrings__redis).
builder.AddGatewayService<Projects.Gateway_Edge>("edge", grpc: false)
    .WithExternalHttpEndpoints()
    .WithGatewaySecrets(adminToken, internalToken)
    .WithReference(redis).WaitFor(redis)
    .WithReference(keyvault).WaitFor(keyvault)
    .WithReference(config).WaitFor(config)
    .WithReference(cache).WaitFor(cache)
    .WithReference(analytics).WaitFor(analytics)
    .WithDaprSidecar(sidecar => sidecar
        .WithOptions(new DaprSidecarOptions { AppId = "edge" })
        .WithReference(pubsub));

builder.Build().Run();
