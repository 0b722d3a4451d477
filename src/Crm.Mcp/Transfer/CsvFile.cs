using System.Text;

namespace Crm.Mcp.Transfer;

/// <summary>One data row and the file line it starts on (quoted line breaks make the two differ).</summary>
public sealed record CsvRow(int Row, int Line, string[] Cells);

public sealed record CsvTable(IReadOnlyList<string> Headers, IReadOnlyList<CsvRow> Rows, char Delimiter);

/// <summary>
/// RFC 4180 reading and writing: quoted cells keep their delimiters, doubled quotes and line breaks; a UTF-8 BOM is
/// dropped; the delimiter is sniffed from the header line, since Excel in many European locales writes ';'. Small
/// enough to own, and it knows the line each row starts on, which rejection reasons cite.
/// </summary>
public static class CsvFile
{
    public static CsvTable Read(string path) => Parse(File.ReadAllText(path, Encoding.UTF8));

    /// <summary>Cells come back as written before <see cref="Neutralise"/>: a leading guard quote is dropped.</summary>
    public static CsvTable Parse(string text)
    {
        text = text.TrimStart('\uFEFF');
        var delimiter = SniffDelimiter(text);
        var records = new List<(int Line, string[] Cells)>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        var line = 1;
        var recordLine = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else
                {
                    if (c == '\n') line++;
                    cell.Append(c);
                }
            }
            else if (c == '"' && cell.ToString().Trim().Length == 0) { cell.Clear(); quoted = true; }
            else if (c == delimiter) { cells.Add(Restore(cell.ToString())); cell.Clear(); }
            else if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                cells.Add(Restore(cell.ToString())); cell.Clear();
                records.Add((recordLine, cells.ToArray())); cells.Clear();
                line++;
                recordLine = line;
            }
            else cell.Append(c);
        }
        if (cell.Length > 0 || cells.Count > 0) { cells.Add(Restore(cell.ToString())); records.Add((recordLine, cells.ToArray())); }

        var nonBlank = records.Where(r => r.Cells.Any(x => x.Trim().Length > 0)).ToList();
        if (nonBlank.Count == 0) return new CsvTable([], [], delimiter);
        var headers = nonBlank[0].Cells.Select(h => h.Trim().Trim('\uFEFF')).ToList();
        var rows = nonBlank.Skip(1).Select((r, index) => new CsvRow(index + 1, r.Line, r.Cells)).ToList();
        return new CsvTable(headers, rows, delimiter);
    }

    /// <summary>The candidate that splits the header line into the most cells, counted outside quotes.</summary>
    private static char SniffDelimiter(string text)
    {
        var counts = new Dictionary<char, int> { [','] = 0, [';'] = 0, ['\t'] = 0, ['|'] = 0 };
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"') quoted = !quoted;
            else if (!quoted && c is '\n' or '\r') break;
            else if (!quoted && counts.ContainsKey(c)) counts[c]++;
        }
        var best = counts.MaxBy(p => p.Value);
        return best.Value == 0 ? ',' : best.Key;
    }

    /// <summary>One CSV line (no line break): cells neutralised against formula injection, quoted only when they need it.</summary>
    public static string Line(IEnumerable<string?> cells) =>
        string.Join(',', cells.Select(cell => cell is null ? "" : Neutralise(cell)).Select(cell =>
            cell.IndexOfAny([',', '"', '\n', '\r', ';']) >= 0 || cell != cell.Trim() ? "\"" + cell.Replace("\"", "\"\"") + "\"" : cell));

    /// <summary>
    /// OWASP's CSV injection rule: a cell a spreadsheet would run as a formula (it begins with = + - @, a tab or a
    /// carriage return, e.g. =HYPERLINK(...), +cmd|' /C calc'!A0, @SUM(1+1)) gets a leading single quote, which
    /// spreadsheets show as text. A negative number ("-5", "-1250.50") stays a number: it is no formula. A value that
    /// already begins with quotes before such a character gets one more, so <see cref="Restore"/> is exact.
    /// </summary>
    public static string Neutralise(string cell) => NeedsGuard(cell) ? "'" + cell : cell;

    /// <summary>Undoes <see cref="Neutralise"/>: export then import gives back the value exactly.</summary>
    public static string Restore(string cell) => cell.StartsWith('\'') && NeedsGuard(cell[1..]) ? cell[1..] : cell;

    private static bool NeedsGuard(string cell) => cell.Length > 0 && cell[0] switch
    {
        '=' or '+' or '@' or '\t' or '\r' => true,
        '-' => !IsPlainNumber(cell),
        '\'' => NeedsGuard(cell.TrimStart('\'')),
        _ => false,
    };

    private static bool IsPlainNumber(string cell) =>
        cell.Length > 1 && cell[1..].All(c => char.IsAsciiDigit(c) || c == '.') && char.IsAsciiDigit(cell[1]) && cell.Count(c => c == '.') <= 1 && !cell.EndsWith('.');
}
