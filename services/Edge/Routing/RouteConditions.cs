using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Contracts.Routing;

namespace Gateway.Edge.Routing;

/// <summary>Evaluates conditional routing queries against a request: <c>metadata.&lt;key&gt;</c> reads the request's
/// metadata (strings), <c>params.&lt;field&gt;</c> a top-level field of its JSON body. Strings that look like numbers
/// compare as numbers with numeric operands (metadata values are always strings). A missing field matches only
/// <c>$ne</c> and <c>$nin</c>.</summary>
internal static class RouteConditions
{
    private const string MetadataPrefix = "metadata.";
    private const string ParamsPrefix = "params.";
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);

    /// <param name="body">The request's JSON body (an object), or null.</param>
    public static bool Matches(RouteQuery query, IReadOnlyDictionary<string, string>? metadata, JsonElement? body) => query switch
    {
        AllQuery all => all.Queries.All(q => Matches(q, metadata, body)),
        AnyQuery any => any.Queries.Any(q => Matches(q, metadata, body)),
        FieldQuery field => MatchesField(field, Lookup(field.Field, metadata, body)),
        _ => false,
    };

    private static Value? Lookup(string field, IReadOnlyDictionary<string, string>? metadata, JsonElement? body)
    {
        if (field.StartsWith(MetadataPrefix, StringComparison.Ordinal))
        {
            return metadata is not null && metadata.TryGetValue(field[MetadataPrefix.Length..], out var text) ? Value.Of(text) : null;
        }

        if (field.StartsWith(ParamsPrefix, StringComparison.Ordinal) && body is { ValueKind: JsonValueKind.Object } root
            && root.TryGetProperty(field[ParamsPrefix.Length..], out var element))
        {
            return Value.Of(element);
        }

        return null;
    }

    private static bool MatchesField(FieldQuery query, Value? value)
    {
        var operand = query.Operand;
        switch (query.Operator)
        {
            case "$eq":
                return value is { } eq && eq.EqualsJson(operand);
            case "$ne":
                return value is not { } ne || !ne.EqualsJson(operand);
            case "$in":
                return value is { } inValue && operand.ValueKind == JsonValueKind.Array && operand.EnumerateArray().Any(inValue.EqualsJson);
            case "$nin":
                return value is not { } ninValue || operand.ValueKind != JsonValueKind.Array || !operand.EnumerateArray().Any(ninValue.EqualsJson);
            case "$gt" or "$gte" or "$lt" or "$lte":
                if (value?.Number is not { } number || !operand.TryGetDouble(out var bound))
                {
                    return false;
                }

                return query.Operator switch
                {
                    "$gt" => number > bound,
                    "$gte" => number >= bound,
                    "$lt" => number < bound,
                    _ => number <= bound,
                };
            case "$regex":
                if (value?.Text is not { } text || operand.ValueKind != JsonValueKind.String)
                {
                    return false;
                }

                try
                {
                    return Regex.IsMatch(text, operand.GetString()!, RegexOptions.CultureInvariant, RegexTimeout);
                }
                catch (RegexMatchTimeoutException)
                {
                    return false;
                }

            default:
                return false;
        }
    }

    /// <summary>A field's value: its text (strings, and the JSON text of numbers and booleans) and its number, if any.</summary>
    private readonly record struct Value(string? Text, double? Number, bool? Boolean)
    {
        public static Value Of(string text) => new(text,
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null, null);

        public static Value Of(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => Of(element.GetString()!),
            JsonValueKind.Number => new(element.GetRawText(), element.GetDouble(), null),
            JsonValueKind.True => new("true", null, true),
            JsonValueKind.False => new("false", null, false),
            _ => new(null, null, null),
        };

        public bool EqualsJson(JsonElement operand) => operand.ValueKind switch
        {
            JsonValueKind.String => Text == operand.GetString(),
            JsonValueKind.Number => Number is { } number && operand.TryGetDouble(out var other) && number.Equals(other),
            JsonValueKind.True => Boolean == true || Text == "true",
            JsonValueKind.False => Boolean == false || Text == "false",
            _ => false,
        };
    }
}
