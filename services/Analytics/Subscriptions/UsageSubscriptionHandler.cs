using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Analytics.Ingest;
using Gateway.Contracts.Usage.V1;
using Gateway.ServiceDefaults.Buffers;
using Google.Protobuf;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gateway.Analytics.Subscriptions;

/// <summary>Handles one delivery of the "usage" topic. UseCloudEvents has already unwrapped the CloudEvent, so the
/// body is its data: a <see cref="UsageBatch"/> in protobuf JSON. The outcome tells Dapr what to do next:
/// SUCCESS once the batch is committed (duplicates included), DROP for a payload that can never be applied (it goes
/// to the dead-letter topic), RETRY while the database is failing.</summary>
internal sealed partial class UsageSubscriptionHandler(IConfiguration configuration, UsageIngestor ingestor,
    ILogger<UsageSubscriptionHandler> logger)
{
    /// <summary>Dapr sends its app API token in this header when <c>APP_API_TOKEN</c> is configured for the app.</summary>
    public const string AppTokenHeader = "dapr-api-token";

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly JsonHttpResult<DaprTopicResponse> Success = Status(DaprTopicResponse.Success);
    private static readonly JsonHttpResult<DaprTopicResponse> Retry = Status(DaprTopicResponse.Retry);
    private static readonly JsonHttpResult<DaprTopicResponse> Drop = Status(DaprTopicResponse.Drop);

    // A body of known length is read into one buffer of that size; larger or unknown ones grow as they arrive.
    private const int MaxInitialBodyBuffer = 4 * 1024 * 1024;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> JsonWhitespace => " \t\r\n"u8;

    private readonly byte[]? _appToken = AppToken(configuration["APP_API_TOKEN"]);

    public async Task<Results<JsonHttpResult<DaprTopicResponse>, UnauthorizedHttpResult>> HandleAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsFromSidecar(request))
        {
            return TypedResults.Unauthorized();
        }

        UsageBatch batch;
        try
        {
            batch = await ParseAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or JsonException)
        {
            LogDropped(logger, "the data is not a UsageBatch in protobuf JSON");
            return Drop;
        }

        try
        {
            var result = await ingestor.ApplyAsync(batch, cancellationToken);
            LogApplied(logger, result.Accepted, result.Duplicates);
            return Success;
        }
        catch (InvalidUsageException ex)
        {
            LogDropped(logger, ex.Message);
            return Drop;
        }
        catch (Exception ex) when (DatabaseFailure.IsTransient(ex))
        {
            LogRetry(logger, ex.GetType().Name, ex.Message);
            return Retry;
        }
    }

    /// <summary>Parses the body, a UsageBatch in protobuf JSON. The bytes are read into a pooled buffer and decoded
    /// as the parser goes, so a large batch is never held as one string (hundreds of KB, on the large object heap).
    /// A publisher that passed the JSON as a string gets it back as a JSON string literal: unwrap that once.</summary>
    private static async Task<UsageBatch> ParseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var body = new PooledBufferWriter(BodyBufferSize(request.ContentLength));
        await body.ReadFromAsync(request.Body, cancellationToken);

        var bytes = body.WrittenSpan;
        if (bytes.StartsWith(Utf8Bom))
        {
            bytes = bytes[Utf8Bom.Length..];
        }

        if (bytes.TrimStart(JsonWhitespace).StartsWith((byte)'"'))
        {
            return Parser.Parse<UsageBatch>(JsonSerializer.Deserialize(bytes, SubscriptionJsonContext.Default.String) ?? "");
        }

        using var reader = new StreamReader(body.AsStream(), Encoding.UTF8);
        return Parser.Parse<UsageBatch>(reader);
    }

    private static int BodyBufferSize(long? contentLength) =>
        contentLength is > 0 and <= MaxInitialBodyBuffer ? (int)contentLength.Value : 16 * 1024;

    private bool IsFromSidecar(HttpRequest request)
    {
        if (_appToken is null)
        {
            return true;
        }

        var presented = request.Headers[AppTokenHeader].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _appToken);
    }

    private static byte[]? AppToken(string? configured) =>
        string.IsNullOrEmpty(configured) ? null : Encoding.UTF8.GetBytes(configured);

    private static JsonHttpResult<DaprTopicResponse> Status(DaprTopicResponse status) =>
        TypedResults.Json(status, SubscriptionJsonContext.Default.DaprTopicResponse);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Usage batch applied: {Accepted} new, {Duplicates} duplicates")]
    private static partial void LogApplied(ILogger logger, int accepted, int duplicates);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage message dropped to the dead-letter topic: {Reason}")]
    private static partial void LogDropped(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage message not applied, asking Dapr to retry: database failure {ErrorType}: {Reason}")]
    private static partial void LogRetry(ILogger logger, string errorType, string reason);
}
