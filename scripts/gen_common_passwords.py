"""Regenerate portal/domain/data/common_passwords.txt from well-known leaked-password patterns.

The list holds the classic most-used passwords (as published from many breach corpora), keyboard walks,
Chinese favourites (pinyin, 520/1314 love numbers) and the decorated variants people make to pass
composition rules ("Password@123", "Woaini1314!", "Admin@2024"). Entries are lower case because the policy
compares case-insensitively. Run: python scripts/gen_common_passwords.py
"""

from __future__ import annotations

from pathlib import Path

TOP = """
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball abc123 football
monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890 michael 654321 superman
1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh hunter buster
soccer harley batman andrew tigger sunshine iloveyou 2000 charlie robert thomas hockey ranger daniel
starwars klaster 112233 george computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313
freedom 777777 pass maggie 159753 aaaaaa ginger princess joshua cheese amanda summer love ashley nicole
chelsea biteme matthew access yankees 987654321 dallas austin thunder taylor matrix mobilemail mom
monitor monitoring montana moon moscow welcome welcome1 admin administrator root toor guest test tester
user login passw0rd p@ssword p@ssw0rd secret secret1 changeme default qwerty123 password1 password123
abc12345 a123456 a12345678 a123456789 aa123456 qq123456 abcd1234 abcdef abcdefg abcdefgh 1q2w3e4r
1q2w3e4r5t 1q2w3e 1qazxsw2 zaq12wsx zaq1xsw2 qazwsxedc qweasdzxc qweasd asdfghjkl asdf1234 qwer1234
qwe123 asd123 zxc123 zxcvbnm123 1qaz2wsx3edc 1qaz@wsx 1qaz!qaz !qaz2wsx !qaz@wsx 2wsx3edc q1w2e3r4
q1w2e3r4t5 qwert qwertz azerty 147258369 147258 159357 123654 123789 456789 987654 741852963 789456123
123456a 123456aa 123456abc 123abc 12qwaszx 1a2b3c 1a2b3c4d a1b2c3 a1b2c3d4 aaa111 abc123456 iloveu
woaini woaini1314 woaini520 5201314 1314520 520520 521521 aini1314 caonima nihao nihao123 zhongguo
china beijing shanghai chengdu sichuan luzhou guangzhou shenzhen chongqing tianjin wuhan xian nanjing
hangzhou dangan danganju archive archives archive2 records baidu tencent alibaba huawei xiaomi
wangyi sina sohu weixin wechat qq qqqqqq qwe qweqwe woshishui woaiwojia wodemima mima mima123 mimamima
zhang wang li liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng liang xie song
tang han feng deng cao peng zeng xiao tian dong yuan pan cai jiang yu du ye cheng wei su lv ding ren
shen yao lu jiang cui zhong tan wan fan jin qiu
zhangwei wangwei wangfang liwei liuwei wangxiu lina zhangmin lijing wangjing liujie zhangli wangqiang
zhangjing lijun wangyan liyan zhangyong lijie wangjun liuyang zhangtao
hello hello123 hi internet whatever nothing anything something samsung apple google facebook
microsoft windows linux ubuntu oracle mysql postgres server system office manager sales support
service company business money dollar cash bank banking finance account accounts invoice payroll
purple orange yellow green blue red black white silver golden gold diamond crystal
lovely loveme lover loving baby babygirl angel angels buddy friend friends family mother father sister
brother daughter forever always happy smile sunny flower flowers rose summer winter spring autumn
winner victory champion legend hero heroes warrior ninja samurai dragon1 tiger lion eagle falcon
wolf fox bear panda dog cat kitty puppy doggy kitten horse rabbit monkey1 chicken cookie banana
coffee chocolate pizza pepsi cocacola beer whisky vodka jesus christ god angel1 heaven hell
devil satan lucky lucky7 star stars superstar rockstar music guitar piano dancer soccer1 tennis
basketball golf hockey1 baseball1 football1 arsenal liverpool chelsea1 barcelona realmadrid juventus
manchester united london paris berlin tokyo newyork america canada australia england france germany
japan korea russia india brazil mexico italy spain
qwerty1 qwerty12 qwerty1234 qwertyui qwertyu 1qaz 2wsx 3edc zxcv asdf asdfg asdfasdf qwerqwer
zxczxc aaa aaaa aaaaa aaaaaaaa abcabc abcdabcd password! password1! password12 passwords passport
letmein1 welcome123 admin123 admin1234 admin12345 admin888 administrator1 root123 root1234 test123
test1234 guest123 user123 user1234 demo demo123 temp temp123 temporary sample example public private
security secure secure123 master123 super superuser sysadmin webmaster operator manager123 boss
computer1 internet1 network wireless router modem cisco juniper default1 change change123
iloveyou1 iloveyou2 trustme believe freedom1 liberty justice peace shalom hallo ciao bonjour
starwars1 pokemon naruto onepiece doraemon mario zelda minecraft fortnite gamer player
matrix1 neo morpheus trinity hacker hack hacked blink182 metallica nirvana
"""

KEYBOARD_AND_NUMBERS = """
0000 00000 0000000 00000000 000000000 0000000000 1111 11111 1111111 111111111 1111111111
2222 222222 22222222 3333 333333 33333333 4444 444444 44444444 5555 55555555 6666 66666666
7777 77777777 8888 888888 88888888 9999 999999 99999999 12341234 123123123 11223344 1122334455
121314 101010 202020 010203 123qweasd 123qweasdzxc qweasdzxc123 1234qwer 1234abcd 12345qwert
123456qwe 123456789a 123456789q 0123456789 9876543210 98765 987654321a 112233445566 123454321
147852 147852369 258369 369258147 159951 753951 951753 852456 456123 321654 135792468 24680 13579
1234554321 1029384756 1qw23e 1qw23er4 qazxsw qazxswedc wsxedc edcrfv rfvtgb 1234rewq ytrewq poiuytrewq
mnbvcxz lkjhgfdsa !@#$%^ !@#$%^&* 1q2w3e4r5t6y 1q2w3e4r5t6y7u 123!@#qwe qwe!@#123 !@#123 !@#qwe
"""

SUFFIXES = [
    "", "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789", "0", "01", "11",
    "2", "22", "7", "8", "9", "99", "00", "000", "007", "111", "666", "888", "520", "1314", "5201314",
    "!", "!!", "!!!", "1!", "12!", "123!", "1234!", "12345!", "@", "#", "$", "*", ".", "@1", "#1",
    "@12", "@123", "#123", "$123", "*123", "@1234", "#1234", "@12345", "#12345", "@123456", "123@",
    "123#", "123$", "123.", "!@#", "123!@#", "!@#$", "@520", "@1314", "@888", "@666", "_123", "_2024",
    "qwe", "abc", "abc123", "a", "aa", "qq",
]
YEARS = [str(y) for y in range(1990, 2031)]
YEAR_DECORATIONS = ["{y}", "@{y}", "#{y}", "!{y}", "{y}!", "_{y}", ".{y}"]
SHORT_YEAR_DECORATIONS = ["{y}", "@{y}"]
# Decorations for bases that already mix letters and digits (woaini1314 → Woaini1314!).
MIXED_SUFFIXES = ["", "!", "!!", "@", "#", "$", "*", ".", "!@#", "@123", "123"]
# Words people most often dress up with a year ("Welcome@2025").
YEAR_BASES = """
password admin administrator welcome qwerty qwe asdf abc letmein iloveyou woaini aini love hello
test user guest root system manager office company china zhongguo beijing sichuan chengdu luzhou
dangan danganju archive archives records summer winter spring autumn happy lucky monkey dragon tiger
"""
LEET = str.maketrans({"a": "@", "o": "0", "e": "3", "i": "1", "s": "$"})


def _leet_variants(word: str) -> set[str]:
    """The substitutions people actually make: all of them, or just a→@ and o→0."""
    return {word.translate(LEET), word.replace("a", "@").replace("o", "0"), word.replace("o", "0")}


def generate() -> list[str]:
    top = TOP.split()
    bases = list(dict.fromkeys(w.lower() for w in top))
    out: set[str] = set(bases) | set(KEYBOARD_AND_NUMBERS.split())
    decorated_bases = [b for b in bases if b.isalpha() and len(b) >= 3]
    # The list is ordered roughly by popularity; the most popular words get the most decorations.
    for rank, base in enumerate(decorated_bases):
        variants = {base} | (_leet_variants(base) if rank < 80 else set())
        for variant in variants:
            for suffix in SUFFIXES:
                out.add(variant + suffix)
    for base in bases:
        if not base.isalpha() and any(c.isalpha() for c in base):
            for suffix in MIXED_SUFFIXES:
                out.add(base + suffix)
                out.add(base.translate(LEET) + suffix)
    for base in YEAR_BASES.split():
        for variant in {base, base.replace("a", "@").replace("o", "0")}:
            for y in YEARS:
                for pattern in YEAR_DECORATIONS:
                    out.add(variant + pattern.format(y=y))
                for pattern in SHORT_YEAR_DECORATIONS:
                    out.add(variant + pattern.format(y=y[2:]))
    # The bureau's own demo password must stay acceptable; it is a documented account password.
    out.discard("demo#2026pass")
    return sorted(p for p in out if p and not p.startswith("#"))


def main() -> None:
    target = Path(__file__).resolve().parent.parent / "portal" / "domain" / "data" / "common_passwords.txt"
    words = generate()
    target.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} passwords written to {target}")


if __name__ == "__main__":
    main()
