namespace Gateway.Edge.Usage;

/// <summary>What of a request counts as input for an estimate: its text, and token ids sent as numbers
/// (<c>prompt</c>/<c>input</c> may be token arrays), which count one each.</summary>
internal sealed record EstimationInput(string Text, long TokenIds);
