namespace Gateway.Analytics.Ingest;

/// <summary>A batch that can never be applied (bad schema or values): retrying it cannot help, so the feeds reject it
/// (gRPC INVALID_ARGUMENT, Dapr DROP) instead of retrying. The message names the field, never the payload.</summary>
internal sealed class InvalidUsageException(string message) : Exception(message);
