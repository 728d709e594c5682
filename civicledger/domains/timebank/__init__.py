"""The volunteer time bank (社工+义工 时间银行): verified service hours banked, redeemed and shared in a household."""
