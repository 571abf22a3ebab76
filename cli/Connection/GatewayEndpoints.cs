namespace Gateway.Cli.Connection;

/// <summary>Where the services are and which token to present. Values come from the command line, then the
/// environment, then the env file that ./run.sh writes (.gateway/local.env), so after ./run.sh no flag is needed.</summary>
internal sealed record GatewayEndpoints(
    string? KeyVault, string? Config, string? Analytics, string? AdminToken, string? ApiKey, string? Cache = null)
{
    public static GatewayEndpoints Resolve(GlobalOptions.Values given)
    {
        var file = ReadEnvFile(given.EnvFile);
        string? Pick(string? flag, string variable) =>
            flag ?? Environment.GetEnvironmentVariable(variable) ?? file.GetValueOrDefault(variable);

        return new GatewayEndpoints(
            Pick(given.KeyVault, "KEYVAULT_GRPC"),
            Pick(given.Config, "CONFIG_GRPC"),
            Pick(given.Analytics, "ANALYTICS_GRPC"),
            Pick(given.AdminToken, "ADMIN_TOKEN"),
            Pick(given.ApiKey, "GATEWAY_API_KEY"),
            Pick(given.Cache, "CACHE_GRPC"));
    }

    public static string Require(string? value, string what, string flag) =>
        value ?? throw new CliException($"No {what}: pass {flag} or run ./run.sh first (it writes .gateway/local.env).");

    private static Dictionary<string, string> ReadEnvFile(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return values;
        }

        foreach (var line in File.ReadLines(path))
        {
            var separator = line.IndexOf('=', StringComparison.Ordinal);
            if (separator > 0 && !line.StartsWith('#'))
            {
                values[line[..separator].Trim()] = line[(separator + 1)..].Trim().Trim('"', '\'');
            }
        }

        return values;
    }
}

/// <summary>A user-facing failure: printed as one line, exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);
