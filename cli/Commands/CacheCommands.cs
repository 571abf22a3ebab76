using System.CommandLine;
using Gateway.Cli.Connection;
using Gateway.Contracts.Cache.V1;
using CacheV1 = Gateway.Contracts.Cache.V1;

namespace Gateway.Cli.Commands;

internal static class CacheCommands
{
    public static Command Create(TextWriter output) => new("cache", "Manage the response cache") { Purge(output) };

    /// <summary><c>cache purge</c>: one entry (<c>--key</c>, the <c>x-gateway-cache-key</c> response header), one
    /// namespace, or every entry of the tenant (only with <c>--yes</c>: it cannot be undone).</summary>
    private static Command Purge(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant whose entries to delete", Required = true };
        var @namespace = new Option<string?>("--namespace")
        {
            Description = "Only this namespace (x-gateway-cache-namespace); with --key, the entry's namespace (default: the default namespace)",
        };
        var key = new Option<string?>("--key") { Description = "Only this entry: the x-gateway-cache-key response header (64 hex digits)" };
        var yes = new Option<bool>("--yes") { Description = "Confirm deleting every entry of the tenant (needed without --namespace and --key)" };
        var purge = new Command("purge", "Delete cached answers of a tenant: one entry, one namespace, or all") { tenant, @namespace, key, yes };
        purge.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            var request = new CachePurgeRequest
            {
                TenantId = result.GetValue(tenant)!.Trim(),
                Namespace = result.GetValue(@namespace)?.Trim() ?? "",
                Key = result.GetValue(key)?.Trim().ToLowerInvariant() ?? "",
            };
            if (request.TenantId.Length == 0)
            {
                throw new CliException("--tenant must not be empty.");
            }

            if (request.Namespace.Length > 0 && !IsNamespace(request.Namespace))
            {
                throw new CliException("--namespace must be 1 to 128 characters of letters, digits, '-', '_', '.', '@' and '/' (as x-gateway-cache-namespace).");
            }

            if (request.Key.Length > 0 && (request.Key.Length != 64 || !request.Key.All(char.IsAsciiHexDigitLower)))
            {
                throw new CliException("--key must be the 64 hex digits of an x-gateway-cache-key response header.");
            }

            var wholeTenant = request.Namespace.Length == 0 && request.Key.Length == 0;
            if (wholeTenant && !result.GetValue(yes))
            {
                throw new CliException($"This deletes every cached answer of tenant '{request.TenantId}'; pass --yes to confirm, or narrow it with --namespace or --key.");
            }

            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Cache, "Cache address", "--cache-service"));
            var purged = await new CacheV1.Cache.CacheClient(channel).PurgeAsync(request, Channels.Bearer(context.AdminToken),
                cancellationToken: cancellationToken);
            var scope = request.Key.Length > 0
                ? $"entry {request.Key} in namespace '{(request.Namespace.Length == 0 ? "default" : request.Namespace)}'"
                : wholeTenant ? "all namespaces" : $"namespace '{request.Namespace}'";
            context.Printer.Write(purged, () => $"purged {purged.Deleted} cache entries of tenant {request.TenantId} ({scope})");
        });
        return purge;
    }

    /// <summary>The namespaces the Edge accepts; no entry can live in any other.</summary>
    private static bool IsNamespace(string value) =>
        value.Length <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' or '/');
}
