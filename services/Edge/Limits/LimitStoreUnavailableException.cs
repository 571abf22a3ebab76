namespace Gateway.Edge.Limits;

/// <summary>Redis could not answer in time (down, unreachable or slow); the caller fails open.</summary>
internal sealed class LimitStoreUnavailableException(string message, Exception? innerException = null)
    : Exception(message, innerException);
