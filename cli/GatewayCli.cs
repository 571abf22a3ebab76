using System.CommandLine;
using Gateway.Cli.Commands;
using Gateway.Cli.Connection;
using Grpc.Core;

namespace Gateway.Cli;

/// <summary>The command tree and its error handling; <c>Program</c> only forwards to <see cref="RunAsync"/>, so
/// tests can run commands in-process.</summary>
internal static class GatewayCli
{
    public static RootCommand Build(TextWriter output)
    {
        var root = new RootCommand("gatewayctl: administer Gateway and query its usage");
        GlobalOptions.AddTo(root);
        root.Add(TenantCommands.Create(output));
        root.Add(KeyCommands.Create(output));
        root.Add(VirtualKeyCommands.Create(output));
        root.Add(PolicyCommands.Create(output));
        root.Add(ConfigCommands.Create(output));
        root.Add(PriceCommands.Create(output));
        root.Add(UsageCommands.Create(output));
        root.Add(CacheCommands.Create(output));
        root.Add(DemoCommands.Create(output));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        try
        {
            var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            return await Build(output).Parse(args).InvokeAsync(configuration);
        }
        catch (CliException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message);
            return 1;
        }
        catch (RpcException ex)
        {
            await error.WriteLineAsync($"error: {ex.StatusCode}: {ex.Status.Detail}");
            return 1;
        }
    }
}
