using System.CommandLine;
using Gateway.Cli.Connection;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>What a command's action needs: resolved endpoints and tokens, and where to print.</summary>
internal sealed record CommandContext(GatewayEndpoints Endpoints, Printer Printer)
{
    public static CommandContext From(ParseResult result, TextWriter output)
    {
        var options = GlobalOptions.Read(result);
        return new CommandContext(GatewayEndpoints.Resolve(options), new Printer(options.Json, output));
    }

    public string AdminToken => GatewayEndpoints.Require(Endpoints.AdminToken, "admin token", "--admin-token");
}
