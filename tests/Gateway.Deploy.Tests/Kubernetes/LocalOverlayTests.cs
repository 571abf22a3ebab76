using System.Text;
using Gateway.Deploy.Tests.Support;
using k8s.Models;

namespace Gateway.Deploy.Tests.Kubernetes;

public sealed class LocalOverlayTests
{
    private static Rendering Local => Kustomize.Render(Kustomize.LocalOverlay);

    [Fact]
    public void Provides_every_secret_the_base_reads()
    {
        Assert.All(DeploymentTests.SecretRefs(Local), reference =>
            Assert.True(Local.SecretKeys(reference.Name).Contains(reference.Key), $"{reference.Name}/{reference.Key} missing"));
    }

    [Fact]
    public void Connection_strings_point_at_the_in_cluster_dependencies()
    {
        var secret = Local.Single<V1Secret>("gateway-secrets");
        var redisPassword = Value(Local.Single<V1Secret>("redis"), "password");
        var postgresPassword = Value(Local.Single<V1Secret>("postgres"), "password");

        foreach (var name in ServiceContract.Names)
        {
            foreach (var database in ServiceContract.Of(name).ConnectionStrings.Where(db => db != "redis"))
            {
                Assert.Equal($"Host=postgres;Port=5432;Username=postgres;Password={postgresPassword};Database={database}",
                    Value(secret, database));
            }
        }

        Assert.StartsWith($"redis:6379,password={redisPassword},", Value(secret, "redis"), StringComparison.Ordinal);
        Assert.Equal("redis:6379", Assert.Single(Local.All<DaprComponent>()).Item("redisHost").Value);
        Assert.Contains(Local.Single<V1Service>("redis").Spec.Ports, port => port.Port == 6379);
        Assert.Contains(Local.Single<V1Service>("postgres").Spec.Ports, port => port.Port == 5432);
    }

    [Fact]
    public void Postgres_creates_every_database_a_service_reads()
    {
        var script = Assert.Single(Local.Single<V1ConfigMap>("postgres-init").Data.Values);
        var databases = ServiceContract.Names.SelectMany(name => ServiceContract.Of(name).ConnectionStrings).Where(db => db != "redis");

        Assert.All(databases, database => Assert.Contains($"CREATE DATABASE {database};", script, StringComparison.Ordinal));
    }

    [Fact]
    public void The_master_key_is_32_bytes_and_the_tokens_are_long_enough()
    {
        var secret = Local.Single<V1Secret>("gateway-secrets");

        Assert.Equal(32, Convert.FromBase64String(Value(secret, "master-key")).Length);
        Assert.True(Value(secret, "admin-token").Length >= 16);
        Assert.True(Value(secret, "internal-token").Length >= 16);
    }

    [Fact]
    public void Dependencies_are_reachable_only_from_the_services_that_use_them()
    {
        // Redis: the services that read ConnectionStrings__redis (Cache; the Edge's limits) and the Dapr sidecars.
        var redisUsers = ServiceContract.Names.Where(name => ServiceContract.Of(name).ConnectionStrings.Contains("redis"))
            .Union(DaprTests.DaprApps).Order(StringComparer.Ordinal);
        Assert.Equal(["analytics", "cache", "edge"], redisUsers);
        Assert.Equal(redisUsers, From("redis"));
        var postgresUsers = ServiceContract.Names
            .Where(name => ServiceContract.Of(name).ConnectionStrings.Any(db => db != "redis")).Order(StringComparer.Ordinal);
        Assert.Equal(postgresUsers, From("postgres"));
    }

    private static IEnumerable<string> From(string dependency) =>
        Assert.Single(Local.Single<V1NetworkPolicy>(dependency).Spec.Ingress).FromProperty
            .Select(peer => peer.PodSelector.MatchLabels["app.kubernetes.io/name"]).Order(StringComparer.Ordinal);

    private static string Value(V1Secret secret, string key) =>
        secret.StringData?.TryGetValue(key, out var text) == true ? text : Encoding.UTF8.GetString(secret.Data[key]);
}
