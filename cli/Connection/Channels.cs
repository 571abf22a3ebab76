using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.Cli.Connection;

internal static class Channels
{
    public static GrpcChannel Open(string address) =>
        GrpcChannel.ForAddress(address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address);

    public static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };
}
