using Grpc.Core;
using Grpc.Core.Interceptors;
using Npgsql;

namespace Gateway.KeyVault.Grpc;

/// <summary>Turns a transient database failure (PostgreSQL down or restarting) into UNAVAILABLE, the status gRPC
/// clients treat as retryable, instead of an opaque UNKNOWN; the Edge can then retry or serve from its cache.</summary>
internal sealed partial class DatabaseUnavailableInterceptor(ILogger<DatabaseUnavailableInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            LogDatabaseUnavailable(logger, context.Method, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The KeyVault database is unavailable; retry shortly."));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} failed: database unavailable: {Reason}")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string method, string reason);
}
