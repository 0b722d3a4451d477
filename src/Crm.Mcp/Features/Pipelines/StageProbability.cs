namespace Crm.Mcp.Features.Pipelines;

/// <summary>
/// A stage's win probability in percent: the one set on it, else the default by kind. Won is 100 and lost 0; the n
/// open stages of a pipeline rise evenly by position, 100·i/(n+1) rounded, so the default pipeline's Qualified,
/// Discovery, Proposal and Negotiation are 20, 40, 60 and 80. Computed rather than stored, so reordering, adding or
/// removing stages moves the defaults with them.
/// </summary>
public static class StageProbability
{
    public const string Form = "a whole percentage from 0 to 100, e.g. 60";

    /// <summary>Probability per stage id for the stages of one pipeline (any order).</summary>
    public static Dictionary<string, int> Of(IEnumerable<PipelineSql.StageRow> stages)
    {
        var all = stages.ToList();
        var open = all.Where(s => s.Kind == "open").OrderBy(s => s.Position).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
        return all.ToDictionary(s => s.Id, s => s.Probability is { } set ? (int)set : s.Kind switch
        {
            "won" => 100,
            "lost" => 0,
            _ => (int)Math.Round(100.0 * (open.IndexOf(s) + 1) / (open.Count + 1), MidpointRounding.AwayFromZero),
        });
    }

    public static long? Read(int? value) => value switch
    {
        null => null,
        >= 0 and <= 100 => value,
        _ => throw Common.CrmError.Invalid("probability", $"{value} is out of range.", Form),
    };
}
