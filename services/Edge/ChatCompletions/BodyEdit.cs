namespace Gateway.Edge.ChatCompletions;

/// <summary>A splice of the request body: remove <see cref="RemoveLength"/> bytes at <see cref="Offset"/> and insert
/// <see cref="Insert"/>. Lets the gateway change one value without re-serialising the client's JSON.</summary>
internal sealed record BodyEdit(int Offset, int RemoveLength, byte[] Insert)
{
    public byte[] Apply(ReadOnlySpan<byte> body)
    {
        var result = new byte[body.Length - RemoveLength + Insert.Length];
        body[..Offset].CopyTo(result);
        Insert.CopyTo(result.AsSpan(Offset));
        body[(Offset + RemoveLength)..].CopyTo(result.AsSpan(Offset + Insert.Length));
        return result;
    }
}
