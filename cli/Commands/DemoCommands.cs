using System.CommandLine;
using Gateway.Cli.Connection;
using Gateway.Contracts.Config.V1;
using Gateway.Contracts.KeyVault.V1;
using Grpc.Core;

namespace Gateway.Cli.Commands;

/// <summary><c>demo bootstrap</c>: the demo tenant that ./run.sh sets up, printed as env lines for .gateway/local.env.</summary>
internal static class DemoCommands
{
    public const string TenantId = "demo";
    public const string VirtualKeySlug = "mock";
    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "::1"];

    public static Command Create(TextWriter output)
    {
        var bootstrap = new Command("bootstrap",
            "Create the 'demo' tenant, a gateway key, a virtual key for the built-in mock provider and a policy allowing local custom hosts; print them as env lines");
        bootstrap.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var admin = new KeyVaultAdmin.KeyVaultAdminClient(channel);
            var headers = Channels.Bearer(context.AdminToken);

            await admin.CreateTenantAsync(
                new CreateTenantRequest { Id = TenantId, DisplayName = "Demo tenant", IfNotExists = true },
                headers, cancellationToken: cancellationToken);
            var key = await admin.CreateApiKeyAsync(
                new CreateApiKeyRequest { TenantId = TenantId, Name = "demo" }, headers, cancellationToken: cancellationToken);
            try
            {
                await admin.CreateVirtualKeyAsync(
                    new CreateVirtualKeyRequest { TenantId = TenantId, Slug = VirtualKeySlug, Provider = "mock" },
                    headers, cancellationToken: cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
            {
                // A previous bootstrap made it; the mock provider needs no credential, so it is still right.
            }

            // The demo tenant may reach local OpenAI-compatible servers (Ollama, vLLM) through x-gateway-custom-host.
            var config = context.Endpoints.Config;
            if (config is not null)
            {
                using var configChannel = Channels.Open(config);
                var policy = new PutTenantPolicyRequest { TenantId = TenantId, AllowPrivateHosts = true };
                policy.AllowedCustomHosts.Add(LoopbackHosts);
                await new Config.ConfigClient(configChannel).PutTenantPolicyAsync(policy, headers, cancellationToken: cancellationToken);
            }

            context.Printer.Line($"DEMO_API_KEY={key.Secret}");
            context.Printer.Line($"DEMO_VIRTUAL_KEY={VirtualKeySlug}");
        });

        return new Command("demo", "The local demo tenant") { bootstrap };
    }
}
