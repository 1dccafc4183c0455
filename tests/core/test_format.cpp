// How numbers are written: exact fractions where the value is a simple rational.
#include <gtest/gtest.h>

#include <cmath>

#include "attnlab/format.hpp"

namespace attnlab {
namespace {

TEST(SimpleRational, FindsTheFractionsOfTheExercises) {
  Rational r;
  ASSERT_TRUE(SimpleRational(1.0 / 7, &r));
  EXPECT_EQ(r.num, 1);
  EXPECT_EQ(r.den, 7);
  ASSERT_TRUE(SimpleRational(0.75 + 0.75, &r));
  EXPECT_EQ(r.num, 3);
  EXPECT_EQ(r.den, 2);
  ASSERT_TRUE(SimpleRational(-9.0 / 7, &r));
  EXPECT_EQ(r.num, -9);
  EXPECT_EQ(r.den, 7);
  ASSERT_TRUE(SimpleRational(0.0, &r));
  EXPECT_EQ(r.num, 0);
  EXPECT_EQ(r.den, 1);
}

TEST(SimpleRational, RejectsIrrationalsAndLargeDenominators) {
  Rational r;
  EXPECT_FALSE(SimpleRational(std::sqrt(2.0), &r));
  EXPECT_FALSE(SimpleRational(std::exp(3.0) / (2 * std::exp(3.0) + 4), &r));  // 0.4547...
  EXPECT_FALSE(SimpleRational(1.0 / 97, &r));                                // past kMaxDenominator
  EXPECT_FALSE(SimpleRational(std::nan(""), &r));
}

TEST(FormatNumber, AutoWritesIntegersFractionsDecimalsAndScientific) {
  EXPECT_EQ(FormatNumber(3.0), "3");
  EXPECT_EQ(FormatNumber(1.0 / 3), "1/3");
  EXPECT_EQ(FormatNumber(-0.5), "-1/2");
  EXPECT_EQ(FormatNumber(0.4547214992), "0.455");
  EXPECT_EQ(FormatNumber(2.5e-7), "2.5e-7");
  EXPECT_EQ(FormatNumber(-3.4e-4), "-3.4e-4");
  EXPECT_EQ(FormatNumber(123456.7), "1.2e5");
  EXPECT_EQ(FormatNumber(-0.0), "0");
  EXPECT_EQ(FormatNumber(std::nan("")), "NaN");
  EXPECT_EQ(FormatNumber(-INFINITY), "-inf");
}

TEST(FormatNumber, EachStyleAsAsked) {
  EXPECT_EQ(FormatNumber(1.0 / 3, NumberStyle::kDecimal, 4), "0.3333");
  EXPECT_EQ(FormatNumber(0.5, NumberStyle::kDecimal, 4), "0.5");
  EXPECT_EQ(FormatNumber(1.0 / 48, NumberStyle::kFraction), "1/48");
  EXPECT_EQ(FormatNumber(1234.5, NumberStyle::kScientific, 2), "1.23e3");
  EXPECT_EQ(FormatNumber(1e-300, NumberStyle::kScientific, 1), "1.0e-300");
}

TEST(LatexNumber, WritesFracForSimpleRationals) {
  EXPECT_EQ(LatexNumber(1.0 / 7), "\\frac{1}{7}");
  EXPECT_EQ(LatexNumber(-3.0 / 4), "-\\frac{3}{4}");
  EXPECT_EQ(LatexNumber(2.0), "2");
  EXPECT_EQ(LatexNumber(0.0716982672), "0.0717");
}

}  // namespace
}  // namespace attnlab
