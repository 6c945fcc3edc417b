using System.Text;

namespace MedLedger.Server.Infrastructure.Http;

/// <summary>
/// A CSV export (RFC 4180: CRLF rows, cells quoted when they hold a quote, comma or line break). Cells that come from what a
/// person typed go through <see cref="Text"/>, so a spreadsheet opening the export never runs one as a formula.
/// </summary>
public sealed class CsvTable
{
    private readonly StringBuilder _csv = new();

    public CsvTable(params string[] header) => Row(header);

    /// <summary>Free text as a cell: a leading = + - @ tab or carriage return made inert with an apostrophe.</summary>
    public static string Text(string s) => s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + s : s;

    public void Row(params string[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                _csv.Append(',');
            }
            var c = cells[i];
            if (c.AsSpan().IndexOfAny("\",\r\n") >= 0)
            {
                _csv.Append('"').Append(c.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                _csv.Append(c);
            }
        }
        _csv.Append("\r\n");
    }

    public byte[] ToUtf8() => Encoding.UTF8.GetBytes(_csv.ToString());
}
