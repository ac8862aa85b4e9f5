// Which player names the protocol accepts. A name is refused only for what would really break the
// framing or the parser: a name that IS one of the protocol's words (`END`, `SEQ`, ...), or one
// that starts with `END` (framing cuts a message at any word that starts with END). A name that
// merely contains a keyword (Jack: ACK, Wendy: END, Pingu: PING) is an ordinary name.
import { describe, expect, test } from "bun:test";
import { checkName, KEYWORDS, parseMessage } from "../../shared/wire/protocol.ts";
import * as game from "../../steps/07-haunted-chronicles/messages.ts";
import { splitMessages } from "../../shared/wire/framing.ts";

/** Common first names, from several languages; the first ones are those a hostile peer found refused. */
const FIRST_NAMES = `
Jack Wendy Brendan Gamer Pingu Stickman Legend Zack Seqouia
Aaron Abigail Adam Adrian Aiden Alan Albert Alex Alexander Alexandra Alice Alicia Allison Amanda Amber Amelia Amy
Andrea Andrew Angela Anna Anne Anthony Antonio Arthur Ashley Audrey Austin Ava Barbara Benjamin Beth Betty Beverly
Billy Blake Bobby Bradley Brandon Brenda Brian Brittany Brooke Bruce Bryan Caleb Cameron Carl Carlos Carol Caroline
Catherine Charles Charlotte Cheryl Chloe Christian Christina Christine Christopher Cynthia Daniel Danielle David
Deborah Debra Denise Dennis Diana Diane Donald Donna Doris Dorothy Douglas Dylan Edward Elijah Elizabeth Ella
Emily Emma Eric Ethan Eugene Evelyn Frances Frank Gabriel Gary George Gerald Gloria Grace Gregory Hannah Harold
Harry Heather Helen Henry Isaac Isabella Jacob Jacqueline James Janet Janice Jason Jean Jeffrey Jennifer Jeremy
Jerry Jesse Jessica Joan Joe John Johnny Jonathan Jordan Jose Joseph Joshua Joyce Juan Judith Judy Julia Julie
Justin Karen Katherine Kathleen Kathryn Kayla Keith Kelly Kenneth Kevin Kimberly Kyle Larry Laura Lauren Lawrence
Liam Lily Linda Lisa Logan Louis Lucas Madison Margaret Maria Marie Marilyn Mark Martha Mary Mason Matthew Megan
Melissa Michael Michelle Nancy Natalie Nathan Nicholas Nicole Noah Olivia Oscar Pamela Patricia Patrick Paul Peter
Philip Rachel Ralph Randy Raymond Rebecca Richard Robert Roger Ronald Rose Russell Ruth Ryan Samantha Samuel Sandra
Sara Sarah Scott Sean Sharon Shirley Sophia Stephanie Stephen Steven Susan Teresa Terry Theresa Thomas Timothy
Tyler Victoria Vincent Virginia Walter Wayne William Willie Zachary Ackerley Acacia Blackwell Jackie Jackson
Mackenzie Zackary Packard Tickner Gamelin Pingel Endora Kendall Kendra Brenda Glenda Wendell Lorenzo Sequoia Legendre
Amandine Amelie Aurelien Baptiste Benedicte Camille Clement Corentin Damien Delphine Emeline Enzo Etienne Fabien
Florian Gaelle Guillaume Helene Hugo Ines Jeremie Julien Laetitia Lea Louise Lucie Manon Margaux Mathilde Maxime
Nathalie Oceane Pauline Quentin Remi Romain Sebastien Solene Sylvie Thibault Valentin Yann Zoe Ahmed Aisha Akira
Alejandro Ali Amir Anja Arjun Astrid Bjorn Carmen Chen Dmitri Elena Fatima Freya Giulia Hamza Hiroshi Ibrahim
Ingrid Ivan Javier Jorge Kenji Lars Leila Luca Mateo Mei Mohammed Nadia Nikolai Olga Omar Pablo Priya Rahul Ravi
Rosa Sakura Sergei Sofia Sven Tariq Wei Yuki Yusuf Zara Zyno
`.trim().split(/\s+/);

describe("ordinary names are accepted", () => {
  test("a few hundred common first names: every one, by the base protocol and by step 07's", () => {
    expect(FIRST_NAMES.length).toBeGreaterThanOrEqual(300);
    const refused = FIRST_NAMES.filter((n) => !checkName(n).ok || !game.checkName(n).ok);
    expect(refused).toEqual([]);
  });

  test("and CONNECT with each of them parses as one whole message", () => {
    for (const name of FIRST_NAMES) {
      const text = `CONNECT ${name} END`;
      expect(splitMessages(text, 128).messages).toEqual([text]);
      expect(parseMessage(text)).toEqual({ ok: true, value: { type: "CONNECT", name } });
    }
  });
});

describe("what is refused, and why", () => {
  test("a name that is a protocol keyword as a whole word", () => {
    for (const keyword of KEYWORDS) expect(checkName(keyword).ok).toBe(false);
    expect(checkName("END")).toMatchObject({ ok: false });
  });

  test("step 07 refuses its own keywords too (LOBBY, GAME, SHADES, TRANSITION_...)", () => {
    for (const keyword of game.KEYWORDS) expect(game.checkName(keyword).ok).toBe(false);
    expect(game.checkName("Lobby").ok).toBe(true); // the protocol's words are upper case
  });

  test("a name that starts with END: the framing would cut the message inside it", () => {
    const r = checkName("ENDER");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("END");
    expect(checkName("Ender").ok).toBe(true);
  });

  test("the shape rules stay: length, first letter, characters", () => {
    expect(checkName("a b").ok).toBe(false);
    expect(checkName("9lives").ok).toBe(false);
    expect(checkName("A".repeat(17)).ok).toBe(false);
    expect(checkName("A".repeat(16)).ok).toBe(true);
  });
});
