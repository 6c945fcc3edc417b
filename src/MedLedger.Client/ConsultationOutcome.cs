using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MedLedger.Client;

/// <summary>
/// The FHIR R4 resources a consultation closes with, built from the doctor's plain words (CLI and browser build the same
/// shapes; web/src/sdk/appointments.ts mirrors it): the outcome as an Encounter's narrative (R4 Encounter has no note
/// element) and the advice as a CarePlan's description. Full FHIR JSON can be passed to CloseConsultationAsync instead.
/// </summary>
public static partial class ConsultationOutcome
{
    public static string Encounter(Guid patientId, string outcome, bool remote = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outcome);
        var json = new JsonObject
        {
            ["resourceType"] = "Encounter",
            ["text"] = new JsonObject { ["status"] = "generated", ["div"] = "<div xmlns=\"http://www.w3.org/1999/xhtml\">" + WebUtility.HtmlEncode(outcome) + "</div>" },
            ["status"] = "finished",
            ["class"] = new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v3-ActCode", ["code"] = remote ? "VR" : "AMB" },
            ["subject"] = new JsonObject { ["reference"] = "Patient/" + patientId },
        };
        return json.ToJsonString();
    }

    public static string CarePlan(Guid patientId, string advice)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(advice);
        var json = new JsonObject
        {
            ["resourceType"] = "CarePlan",
            ["status"] = "active",
            ["intent"] = "plan",
            ["subject"] = new JsonObject { ["reference"] = "Patient/" + patientId },
            ["description"] = advice,
        };
        return json.ToJsonString();
    }

    /// <summary>The words to show for a closed consultation: the Encounter's narrative as text, the CarePlan's description and activities.</summary>
    public static (string Outcome, string Advice) Read(ConsultationAdvice advice)
    {
        ArgumentNullException.ThrowIfNull(advice);
        using var encounter = JsonDocument.Parse(advice.Encounter.Content);
        using var carePlan = JsonDocument.Parse(advice.CarePlan.Content);
        var outcome = encounter.RootElement.TryGetProperty("text", out var text) && text.TryGetProperty("div", out var div)
            ? WebUtility.HtmlDecode(Tags().Replace(div.GetString() ?? "", "")).Trim()
            : "";
        var lines = new List<string>();
        if (carePlan.RootElement.TryGetProperty("description", out var description))
        {
            lines.Add(description.GetString() ?? "");
        }
        if (carePlan.RootElement.TryGetProperty("activity", out var activities))
        {
            foreach (var a in activities.EnumerateArray())
            {
                if (a.TryGetProperty("detail", out var detail) && detail.TryGetProperty("description", out var d))
                {
                    lines.Add("- " + d.GetString());
                }
            }
        }
        return (outcome, string.Join('\n', lines));
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();
}
