import { describe, expect, it } from "vitest";
import { normalizeNumber } from "../../src/lifecycle/phone-number.js";

describe("normalizeNumber", () => {
  it.each([
    ["+6561234567", "+6561234567"],
    ["6561234567", "+6561234567"],
    ["+65 6123 4567", "+6561234567"],
    ["+1 (415) 555-0100", "+14155550100"],
    ["  +65-6123-4567  ", "+6561234567"],
    ["+65.6123.4567", "+6561234567"],
    ["+12345678", "+12345678"],
    ["+123456789012345", "+123456789012345"],
  ])("accepts %j as %s", (input, expected) => {
    expect(normalizeNumber(input)).toBe(expected);
  });

  it.each([
    ["abc", "letters only"],
    ["+123", "too short"],
    ["+1234567", "7 digits, one short of E.164's minimum"],
    ["+0123456789", "a country code cannot start with 0"],
    ["", "empty"],
    ["   ", "blank"],
    ["+1234567890123456", "16 digits, one over E.164's maximum"],
    ["12ab5678901", "letters among the digits"],
    ["++6561234567", "two plus signs"],
    ["65+61234567", "a plus inside the number"],
  ])("rejects %j (%s)", (input) => {
    expect(normalizeNumber(input)).toBeNull();
  });
});
