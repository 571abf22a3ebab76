namespace Gateway.Edge.Caching;

/// <summary>What a request does with the response cache.</summary>
internal enum CacheMode
{
    /// <summary>No caching: no lookup, nothing stored, no cache header on the response.</summary>
    Off,

    /// <summary>Serve a stored answer when one matches; store the answer on a miss.</summary>
    Use,

    /// <summary>Always ask the provider and replace the entry with its answer.</summary>
    Refresh,
}

/// <summary>The value of the <c>x-gateway-cache</c> response header.</summary>
internal enum CacheStatus
{
    Hit,
    Miss,
    Refresh,
}
