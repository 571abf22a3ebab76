using System.CommandLine;
using Gateway.Cli.Connection;
using Gateway.Contracts.Config.V1;

namespace Gateway.Cli.Commands;

internal static class PolicyCommands
{
    public static Command Create(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant whose policy to replace", Required = true };
        var hosts = new Option<string[]>("--allow-host")
        {
            Description = "Custom host a request may target (exact host, IP, or *.suffix); repeat for more",
            AllowMultipleArgumentsPerToken = true,
        };
        var allowPrivate = new Option<bool>("--allow-private-hosts")
        {
            Description = "Let custom hosts resolve to loopback/private addresses (local Ollama or vLLM)",
        };
        var set = new Command("set", "Replace a tenant's policy as a whole") { tenant, hosts, allowPrivate };
        set.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Config, "Config address", "--config"));
            var request = new PutTenantPolicyRequest
            {
                TenantId = result.GetValue(tenant)!,
                AllowPrivateHosts = result.GetValue(allowPrivate),
            };
            request.AllowedCustomHosts.Add(result.GetValue(hosts) ?? []);
            var policy = await new Config.ConfigClient(channel).PutTenantPolicyAsync(
                request, Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(policy, () =>
                $"tenant {policy.TenantId}: custom hosts [{string.Join(", ", policy.AllowedCustomHosts)}], " +
                $"private addresses {(policy.AllowPrivateHosts ? "allowed" : "refused")}");
        });

        return new Command("policies", "Manage tenant policies") { set };
    }
}
