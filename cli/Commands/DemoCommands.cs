using System.CommandLine;
using Gateway.Cli.Connection;
using Gateway.Contracts.KeyVault.V1;
using Grpc.Core;

namespace Gateway.Cli.Commands;

/// <summary><c>demo bootstrap</c>: the demo tenant that ./run.sh sets up, printed as env lines for .gateway/local.env.</summary>
internal static class DemoCommands
{
    public const string TenantId = "demo";
    public const string VirtualKeySlug = "mock";

    public static Command Create(TextWriter output)
    {
        var bootstrap = new Command("bootstrap",
            "Create the 'demo' tenant, a gateway key and a virtual key for the built-in mock provider; print them as env lines");
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

            context.Printer.Line($"DEMO_API_KEY={key.Secret}");
            context.Printer.Line($"DEMO_VIRTUAL_KEY={VirtualKeySlug}");
        });

        return new Command("demo", "The local demo tenant") { bootstrap };
    }
}
