namespace Gateway.Cache.Storage;

/// <summary>Redis could not answer in time (down, unreachable or slow). Callers treat the entry as a miss.</summary>
internal sealed class CacheUnavailableException(string message, Exception? innerException = null)
    : Exception(message, innerException);
