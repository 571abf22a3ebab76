using System.Text.RegularExpressions;
using Gateway.Config.RoutingConfigs;
using Gateway.Contracts.Routing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Grpc;

internal static partial class RoutingConfigMapping
{
    // The standard trailer for a google.rpc.Status; gRPC clients that understand rich errors read it from here.
    private const string StatusDetailsTrailer = "grpc-status-details-bin";

    public static string RequireConfigId(string configId) =>
        ConfigIdPattern().IsMatch(configId)
            ? configId
            : throw new RpcException(new Status(StatusCode.InvalidArgument, "config_id must be 1 to 128 of [A-Za-z0-9._-]."));

    public static ConfigV1.RoutingConfig ToContract(this StoredConfig config) => new()
    {
        TenantId = config.TenantId,
        ConfigId = config.ConfigId,
        Version = config.Version,
        Json = config.Json,
        CreatedAt = Timestamp.FromDateTimeOffset(config.CreatedAt),
        LatestVersion = config.LatestVersion,
    };

    public static ConfigV1.ValidationError ToContract(this ConfigValidationError error) => new() { Path = error.Path, Message = error.Message };

    /// <summary>INVALID_ARGUMENT carrying every error: readable in the message, structured in the details trailer.</summary>
    public static RpcException InvalidConfig(IReadOnlyList<ConfigValidationError> errors)
    {
        var message = $"The config has {errors.Count} error(s): {string.Join("; ", errors)}";
        var failure = new ConfigV1.ConfigValidationFailure();
        failure.Errors.AddRange(errors.Select(e => e.ToContract()));
        var status = new ConfigV1.ErrorStatus { Code = (int)StatusCode.InvalidArgument, Message = message };
        status.Details.Add(Any.Pack(failure));
        var trailers = new Metadata { { StatusDetailsTrailer, status.ToByteArray() } };
        return new RpcException(new Status(StatusCode.InvalidArgument, message), trailers);
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex ConfigIdPattern();
}
