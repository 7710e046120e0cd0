// The store's forms: views and links in their binary form (every field read
// back, damaged bytes refused, the CBOR form of earlier stores still read);
// the statistics table encoding: folding a delta into encoded bytes in one
// pass equals decoding, adding and encoding again.
#include "projections/view_codec.h"

#include "events/byte_io.h"

#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ledger {
namespace {

StatTable RandomTable(std::mt19937& rng, int cells) {
  StatTable t;
  std::uniform_int_distribution<int> id(0, 60), prof(0, 1), level(0, 4), n(-3, 3);
  for (int i = 0; i < cells; ++i) {
    StatCell c{Scope::kClass, "0350033W/" + std::to_string(id(rng)) + (id(rng) % 2 ? "A" : "\xc3\xa9"),
               static_cast<AccountKind>(prof(rng)), static_cast<StatLevel>(level(rng))};
    t[c] += StatCounts{n(rng), n(rng), n(rng)};
  }
  return t;
}

// A guardian's view with every field set, two links among them.
AccountView FullView() {
  AccountView v;
  v.id = "acc-7f3a";
  v.kind = AccountKind::kGuardian;
  v.state = ViewState::kActivated;
  v.reset_pending = true;
  v.login = "";
  v.sealed = std::string("\x01sealed\0bytes", 13);
  v.personal = PersonalData::kSealed;
  v.source_system = SourceSystem::kOnde;
  v.placement = Placement{Uai("0310001A"), "031", "toulouse", Level::kEcole, "CM2 B"};
  v.activation_method = ActivationMethod::kFranceConnect;
  v.has_mobile = true;
  v.has_email = false;
  v.notified_by = NotifyChannel::kEmail;
  v.notice_expires_at = Timestamp{1'790'000'000'000'001};
  v.created_at = Timestamp{1'780'000'000'000'000};
  v.notified_at = Timestamp{1'780'000'100'000'000};
  v.activated_at = Timestamp{1'780'000'200'000'000};
  v.closed_at = Timestamp{-5};
  v.updated_at = Timestamp{1'780'000'300'000'000};
  v.closed_reason = "left";
  v.seq = 4'000'000'123ULL;
  for (size_t i = 0; i < v.last_hash.size(); ++i) v.last_hash[i] = static_cast<uint8_t>(255 - i);
  for (int k = 0; k < 2; ++k) {
    LinkView l;
    l.guardian = v.id;
    l.pupil = "acc-p" + std::to_string(k);
    l.placement = Placement{Uai("0310002B"), "031", "toulouse", Level::kCollege, ""};
    l.rank = k ? LinkRank::kEnCharge : LinkRank::kLegal2;
    l.relationship = "MERE";
    l.source_system = SourceSystem::kSiecle;
    l.source_ids = "12|34";
    l.source_file = "ResponsablesAvecAdresses.xml";
    l.status = k ? LinkViewStatus::kRemoved : LinkViewStatus::kDisputed;
    l.removed_reason = k ? "pupil_left" : "";
    l.linked_at = Timestamp{1'780'000'000'000'000 + k};
    l.linked_by = "system:siecle";
    l.changed_at = Timestamp{1'780'000'500'000'000};
    l.changed_by = "staff:x (0310002B, accounts_admin)";
    l.last_change = k ? "removed:pupil_left" : "disputed";
    v.links.emplace(l.pupil, l);
  }
  return v;
}

TEST(ViewCodecTest, AViewAndALinkWithEveryFieldSetReadBackEqual) {
  const AccountView v = FullView();
  const std::string bytes = EncodeView(v);
  auto back = DecodeView(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, v);
  EXPECT_EQ(EncodeView(*back), bytes);
  AccountView empty;  // a stream not yet seen, as a batch holds it
  auto none = DecodeView(EncodeView(empty));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, empty);
  const LinkView& l = v.links.at("acc-p1");
  auto link = DecodeLink(EncodeLink(l));
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  EXPECT_EQ(*link, l);
}

TEST(ViewCodecTest, EveryCutAndAnOutOfRangeValueAreDataLossNeverAWrongView) {
  const std::string bytes = EncodeView(FullView());
  for (size_t n = 1; n < bytes.size(); ++n) {
    auto cut = DecodeView(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(cut.ok()) << "cut at " << n;
    EXPECT_EQ(cut.status().code(), StatusCode::kDataLoss);
  }
  std::string bad = bytes;
  bad[1 + 1 + 8] = 7;  // the kind, after the format byte and the id (a length byte + 8 bytes)
  auto refused = DecodeView(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("an account view: a value out of range"), std::string::npos)
      << refused.status().ToString();
  EXPECT_FALSE(DecodeView(bytes + "x").ok()) << "bytes left over";
  EXPECT_FALSE(DecodeLink(EncodeLink(FullView().links.begin()->second).substr(0, 20)).ok());
}

// A damaged view (bytes flipped, a varint's continuation bit set or cleared,
// bytes cut or added) is refused as DataLoss or read as some view, never a
// crash or a read past its bytes (the sanitizers' stage runs this); a view it
// reads writes back to bytes that read back equal.
TEST(ViewCodecTest, TwentyThousandDamagedViewsAreRefusedOrReadConsistently) {
  const std::string full = EncodeView(FullView());
  const std::string empty = EncodeView(AccountView{});
  std::mt19937_64 rng(20261204);
  int refused = 0, read = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = i % 5 == 0 ? empty : full;
    switch (i % 4) {
      case 0:  // bytes flipped
        for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k)
          bytes[1 + rng() % (bytes.size() - 1)] ^= static_cast<char>(1 + rng() % 255);
        break;
      case 1:  // a continuation bit toggled
        bytes[1 + rng() % (bytes.size() - 1)] ^= static_cast<char>(0x80);
        break;
      case 2:  // cut, then garbage
        bytes.resize(1 + rng() % (bytes.size() - 1));
        for (int k = static_cast<int>(rng() % 12); k > 0; --k) bytes.push_back(static_cast<char>(rng()));
        break;
      case 3:  // a byte inserted
        bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(1 + rng() % (bytes.size() - 1)),
                     static_cast<char>(rng()));
        break;
    }
    auto v = DecodeView(bytes);
    if (!v.ok()) {
      ASSERT_EQ(v.status().code(), StatusCode::kDataLoss) << v.status().ToString();
      ++refused;
      continue;
    }
    ++read;
    auto again = DecodeView(EncodeView(*v));
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    ASSERT_EQ(*again, *v) << "round " << i;
  }
  EXPECT_GT(refused, 10000);
  EXPECT_GT(read, 100);  // flips inside strings and times leave a readable view
}

// Views and links take their varint form: a length or an unset time in one
// byte, where the fixed form took eight.
TEST(ViewCodecTest, TheVarintFormIsSmallerThanTheFixedOne) {
  const std::string bytes = EncodeView(FullView());
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), 2u);
  EXPECT_EQ(bytes.size(), 484u);                     // the fixed form: 739
  EXPECT_EQ(EncodeView(AccountView{}).size(), 58u);  // 32 of them the zero hash; fixed: 170
}

// Stores written from 2026-12-02 to 2026-12-04 hold the fixed form (format
// byte 1, every integer in 8 bytes): written here by hand, field by field, as
// that encoder did.
TEST(ViewCodecTest, TheFixedFormOfEarlierStoresIsStillRead) {
  std::string bytes;
  ByteWriter w(bytes, 1, Ints::kFixed);
  const auto placement = [&w](const char* uai, const char* class_name) {
    w.Str(uai);
    w.Str("031");
    w.Str("toulouse");
    w.U8(1);  // Level::kCollege
    w.Str(class_name);
  };
  w.Str("acc-g");
  w.U8(1);  // kind: guardian
  w.U8(2);  // state: activated
  w.U8(0);  // reset_pending
  w.Str("");  // login
  w.Str(std::string("\x01sealed", 7));
  w.U8(0);  // source system
  placement("", "");
  w.U8(1), w.U8(0);  // activation method: FranceConnect
  w.U8(1), w.U8(0);  // has_mobile, has_email
  w.U8(0);           // notified_by: none
  for (int64_t t : {int64_t{0}, int64_t{1'780'000'000'000'000}, int64_t{0}, int64_t{1'780'000'100'000'000},
                    int64_t{-5}, int64_t{1'780'000'100'000'000}})
    w.I64(t);  // notice expiry, created, notified, activated, closed, updated
  w.Str("");   // closed reason
  w.U64(3);    // seq
  Hash hash;
  hash.fill(0xab);
  w.Bytes(hash);
  w.U64(1);  // one link
  w.Str("acc-g");
  w.Str("acc-p0");
  placement("0310002B", "");
  w.U8(1);  // rank
  w.Str("PERE");
  w.U8(0);  // source system
  w.Str("12");
  w.Str("f.xml");
  w.U8(1);  // confirmed
  w.Str("");
  w.I64(1'780'000'000'000'000);
  w.Str("system:siecle");
  w.I64(1'780'000'000'000'000);
  w.Str("system:siecle");
  w.Str("confirmed");
  auto v = DecodeView(bytes);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->id, "acc-g");
  EXPECT_EQ(v->kind, AccountKind::kGuardian);
  EXPECT_EQ(v->state, ViewState::kActivated);
  EXPECT_EQ(v->activation_method, ActivationMethod::kFranceConnect);
  EXPECT_EQ(v->personal, PersonalData::kSealed);
  EXPECT_EQ(v->closed_at.micros, -5);
  EXPECT_EQ(v->updated_at.micros, 1'780'000'100'000'000);
  EXPECT_EQ(v->seq, 3u);
  EXPECT_EQ(v->last_hash[31], 0xab);
  ASSERT_EQ(v->links.size(), 1u);
  EXPECT_EQ(v->links.at("acc-p0").placement.uai.str(), "0310002B");
  EXPECT_EQ(v->links.at("acc-p0").last_change, "confirmed");
  // Written again, it takes the varint form, and reads back the same.
  auto again = DecodeView(EncodeView(*v));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *v);
}

// A layout-3 store written before the binary form holds CBOR arrays (enums
// as numbers): written here by hand, field by field, as that encoder did.
TEST(ViewCodecTest, TheCborFormOfEarlierStoresIsStillRead) {
  using nlohmann::json;
  const json placement = json::array({"0310002B", "031", "toulouse", 1, ""});
  const json link = json::array({"acc-g", "acc-p0", placement, 1, "PERE", 0, "12", "f.xml", 1, "",
                                 int64_t{1'780'000'000'000'000}, "system:siecle", int64_t{1'780'000'000'000'000},
                                 "system:siecle", "confirmed"});
  std::vector<uint8_t> hash(32, 0xab);
  const json view = json::array({"acc-g", 1, 2, false, "", 0, json::array({"", "", "", 3, ""}), 0,
                                 int64_t{1'780'000'000'000'000}, int64_t{0}, int64_t{1'780'000'100'000'000},
                                 int64_t{0}, int64_t{1'780'000'100'000'000}, "", 3, json::array({link}),
                                 json::binary(hash), true, false, -1, int64_t{0}, json::binary(std::vector<uint8_t>{})});
  const std::vector<uint8_t> cbor = json::to_cbor(view);
  auto v = DecodeView(std::string(cbor.begin(), cbor.end()));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->id, "acc-g");
  EXPECT_EQ(v->kind, AccountKind::kGuardian);
  EXPECT_EQ(v->state, ViewState::kActivated);
  EXPECT_EQ(v->activation_method, ActivationMethod::kFranceConnect);
  EXPECT_EQ(v->seq, 3u);
  EXPECT_EQ(v->last_hash[31], 0xab);
  EXPECT_TRUE(v->has_mobile);
  EXPECT_FALSE(v->notified_by.has_value());
  ASSERT_EQ(v->links.size(), 1u);
  const LinkView& l = v->links.at("acc-p0");
  EXPECT_EQ(l.rank, LinkRank::kLegal2);
  EXPECT_EQ(l.status, LinkViewStatus::kConfirmed);
  EXPECT_EQ(l.placement.uai.str(), "0310002B");
  EXPECT_EQ(l.last_change, "confirmed");
  auto again = DecodeView(EncodeView(*v));  // rewritten in the binary form
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *v);
  const std::vector<uint8_t> link_cbor = json::to_cbor(link);
  auto lv = DecodeLink(std::string(link_cbor.begin(), link_cbor.end()));
  ASSERT_TRUE(lv.ok()) << lv.status().ToString();
  EXPECT_EQ(*lv, l);
}

TEST(ViewCodecTest, FoldingADeltaIntoEncodedBytesEqualsDecodingAddingAndEncoding) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    StatTable base = RandomTable(rng, round % 50 * 4), delta = RandomTable(rng, round % 7);
    const std::string encoded = EncodeStatTable(base);
    Result<std::string> folded = AddToEncodedStatTable(encoded, delta);
    ASSERT_TRUE(folded.ok());
    StatTable sum = *DecodeStatTable(encoded, Scope::kClass);
    Accumulate(sum, delta);
    ASSERT_EQ(*folded, EncodeStatTable(sum)) << "round " << round;
  }
  EXPECT_EQ(AddToEncodedStatTable(std::string("\x05\x00" "ab", 4), {}).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace ledger
