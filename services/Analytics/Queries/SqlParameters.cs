using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Analytics.Queries;

/// <summary>Adds positional parameters to a command being built and returns their placeholders ($1, $2, ...).</summary>
internal sealed class SqlParameters(NpgsqlParameterCollection parameters)
{
    public string Add<T>(T value, NpgsqlDbType? type = null)
    {
        var parameter = new NpgsqlParameter<T> { TypedValue = value };
        if (type is { } dbType)
        {
            parameter.NpgsqlDbType = dbType;
        }

        parameters.Add(parameter);
        return "$" + parameters.Count.ToString(CultureInfo.InvariantCulture);
    }

    public string Text(IReadOnlyList<string> values) => Add(values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);

    public string Jsonb(string json) => Add(json, NpgsqlDbType.Jsonb);
}
