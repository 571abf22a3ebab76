using Gateway.Analytics.Ingest;
using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;
using Gateway.ServiceDefaults.Security;
using Grpc.Core;

namespace Gateway.Analytics.Grpc;

/// <summary>The direct usage feed for runs without a Dapr sidecar: the same idempotent path as the subscription.
/// The response is sent only after the batch is committed.</summary>
internal sealed partial class UsageIngestService(CallerTokens callerTokens, UsageIngestor ingestor,
    ILogger<UsageIngestService> logger) : UsageIngest.UsageIngestBase
{
    public override async Task<IngestResponse> Ingest(UsageBatch request, ServerCallContext context)
    {
        callerTokens.RequireInternal(context);
        try
        {
            var result = await ingestor.ApplyAsync(request, context.CancellationToken);
            return new IngestResponse { Accepted = result.Accepted, Duplicates = result.Duplicates };
        }
        catch (InvalidUsageException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        catch (Exception ex) when (DatabaseFailure.IsTransient(ex))
        {
            LogDatabaseFailure(logger, ex.GetType().Name, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The analytics database is unavailable; retry later."));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage batch not applied: database failure {ErrorType}: {Reason}")]
    private static partial void LogDatabaseFailure(ILogger logger, string errorType, string reason);
}
