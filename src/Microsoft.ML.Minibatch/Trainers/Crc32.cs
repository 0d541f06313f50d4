namespace Microsoft.ML.Minibatch;

/// <summary>The CRC-32 of zip files (polynomial 0xEDB88320, reflected), to check what .NET's ZipArchive reads without
/// checking.</summary>
internal static class Crc32
{
    private static readonly uint[] s_table = MakeTable();

    private static uint[] MakeTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>Continues <paramref name="crc"/> (start from 0) over <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        foreach (byte b in data) c = s_table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }
}
