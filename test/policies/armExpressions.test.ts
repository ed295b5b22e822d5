import { describe, expect, it } from "vitest";
import { SUBSCRIPTION_PLACEHOLDER, type TemplateScope, UnresolvedValue, evaluateTemplateValue } from "../../policies/lib/armExpressions";

// Expected values follow learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions
// ("[[" escapes a literal bracket, '' a quote inside a string, names are case-insensitive) and the
// template-functions-string / -logical / -comparison / -resource pages.
const scope: TemplateScope = {
  parameter: (name) => ({ ws: "mlw", settings: { mode: "AMLToken", list: ["a", "b"] }, flag: "True" })[name] ?? new UnresolvedValue(`no ${name}`),
  variable: (name) => ({ prefix: "ep-" })[name] ?? new UnresolvedValue(`no ${name}`),
  resourceGroupName: "rg",
  resourceGroupLocation: new UnresolvedValue("the resource group's location is not known"),
};

describe("ARM template expressions", () => {
  it.each([
    ["plain text", "plain text"],
    ["[[literal]", "[literal]"],
    ["[concat(variables('prefix'), 'blue')]", "ep-blue"],
    ["[format('{0}/{1}', parameters('ws'), 'ep')]", "mlw/ep"],
    ["[format('{{{0}}}', 'x')]", "{x}"],
    ["[PARAMETERS('WS')]", "mlw"],
    ["[parameters('settings').mode]", "AMLToken"],
    ["[parameters('settings')['list'][1]]", "b"],
    ["[toLower('AMLToken')]", "amltoken"],
    ["['it''s']", "it's"],
    ["[if(equals(parameters('ws'), 'mlw'), 'Key', reference('x'))]", "Key"],
    ["[bool(parameters('flag'))]", true],
    ["[not(true())]", false],
    ["[resourceGroup().name]", "rg"],
    ["[union(json('{\"a\":{\"b\":1}}'), createObject('a', createObject('c', 2)))]", { a: { b: 1, c: 2 } }],
    ["[coalesce(null(), 'x')]", "x"],
    ["[empty('')]", true],
    ["[resourceId('Microsoft.MachineLearningServices/workspaces/computes', 'mlw', 'k8s')]", `/subscriptions/${SUBSCRIPTION_PLACEHOLDER}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw/computes/k8s`],
  ])("%s evaluates to %j", (expression, expected) => {
    expect(evaluateTemplateValue(expression, scope)).toEqual(expected);
  });

  it.each([
    ["[reference('x').mode]", "the template function reference() is not evaluated by the policy pack"],
    ["[resourceGroup().location]", "the resource group's location is not known"],
    ["[uniqueString(resourceGroup().id)]", "the object has no property 'id'"],
    ["[parameters('missing')]", "no missing"],
    ["[format('{0:N2}', 1)]", "format() with a format specifier ({0:N2}) is not evaluated"],
    ["[concat('a', ]", "the expression [concat('a', ] is not valid: unexpected 'end' at 12 in [concat('a', ]"],
  ])("%s stays unresolved: %s", (expression, reason) => {
    expect(evaluateTemplateValue(expression, scope)).toEqual(new UnresolvedValue(reason));
  });
});
