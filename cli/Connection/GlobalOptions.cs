using System.CommandLine;

namespace Gateway.Cli.Connection;

/// <summary>Options every command accepts.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> KeyVault = new("--keyvault") { Description = "KeyVault gRPC address (env KEYVAULT_GRPC)", Recursive = true };
    public static readonly Option<string?> Config = new("--config") { Description = "Config gRPC address (env CONFIG_GRPC)", Recursive = true };
    public static readonly Option<string?> Analytics = new("--analytics") { Description = "Analytics gRPC address (env ANALYTICS_GRPC)", Recursive = true };
    public static readonly Option<string?> Cache = new("--cache-service") { Description = "Cache gRPC address (env CACHE_GRPC)", Recursive = true };
    public static readonly Option<string?> AdminToken = new("--admin-token") { Description = "Admin token (env ADMIN_TOKEN)", Recursive = true };
    public static readonly Option<string?> ApiKey = new("--api-key") { Description = "A tenant's gateway key, for tenant-scoped queries (env GATEWAY_API_KEY)", Recursive = true };
    public static readonly Option<string> EnvFile = new("--env-file") { Description = "Env file to read defaults from", DefaultValueFactory = _ => ".gateway/local.env", Recursive = true };
    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of tables", Recursive = true };

    public static void AddTo(RootCommand root)
    {
        root.Add(KeyVault);
        root.Add(Config);
        root.Add(Analytics);
        root.Add(Cache);
        root.Add(AdminToken);
        root.Add(ApiKey);
        root.Add(EnvFile);
        root.Add(Json);
    }

    public static Values Read(ParseResult result) => new(
        result.GetValue(KeyVault), result.GetValue(Config), result.GetValue(Analytics),
        result.GetValue(AdminToken), result.GetValue(ApiKey), result.GetValue(EnvFile)!, result.GetValue(Json), result.GetValue(Cache));

    internal sealed record Values(
        string? KeyVault, string? Config, string? Analytics, string? AdminToken, string? ApiKey, string EnvFile, bool Json,
        string? Cache = null);
}
